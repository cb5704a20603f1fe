// EPOLLOUT through a full send buffer, level-triggered in one set and
// edge-triggered in another: LT reports on every wait while writable, ET
// once when added; both go quiet when the buffer is full and report again
// when the peer drains it.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  set_nonblock(fd, true);
  int d = (int)MUST(dup(fd));
  name_fd(fd, "lt");
  name_fd(d, "et");
  int lt = CALL_FD(epoll_create1(0)), et = CALL_FD(epoll_create1(0));
  ep_add(lt, fd, EPOLLOUT);
  ep_add(et, d, EPOLLOUT | EPOLLET);
  ep_wait(lt, 8, 0);
  ep_wait(lt, 8, 0);
  ep_wait(et, 8, 0);
  ep_wait(et, 8, 0);
  long total = fill_send_buffer(fd);
  ep_wait(lt, 8, 0);
  ep_wait(et, 8, 0);
  ctl_put(total);
  ep_wait(lt, 8, 5000);
  ep_wait(et, 8, 5000);
  CALL(close(d));
  CALL(close(fd));
  CALL(close(lt));
  CALL(close(et));
}

COMPAT_CASE(dut, peer_drain_counted)
