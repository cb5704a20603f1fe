// Closing the only descriptor of a registered socket removes it from the
// set: no events, and DEL of the number fails.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, fd, EPOLLIN | EPOLLOUT);
  ep_wait(ep, 8, 0);
  CALL(close(fd));
  ep_wait(ep, 8, 0);
  ep_del(ep, fd);
  CALL(close(ep));
  SYNC("eof");
}

COMPAT_CASE(dut, peer_sink_eof)
