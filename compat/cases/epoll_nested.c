// An epoll fd inside another: the outer reports the inner as readable when
// the socket in the inner set is.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  int inner = CALL_FD(epoll_create1(0)), outer = CALL_FD(epoll_create1(0));
  name_fd(fd, "sock");
  name_fd(inner, "inner");
  ep_add(inner, fd, EPOLLIN);
  ep_add(outer, inner, EPOLLIN);
  ep_wait(outer, 8, 0);
  SYNC_HELLO();
  ep_wait(outer, 8, 1000);
  ep_wait(inner, 8, 0);
  drain_nonblock(fd);
  ep_wait(outer, 8, 0);
  CALL(close(inner));
  CALL(close(outer));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
