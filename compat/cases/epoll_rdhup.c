// EPOLLRDHUP when the peer half-closes; without asking for it, only IN.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  int d = (int)MUST(dup(fd));
  name_fd(fd, "with-rdhup");
  name_fd(d, "without");
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, fd, EPOLLIN | EPOLLRDHUP);
  ep_add(ep, d, EPOLLIN);
  SYNC_HELLO();
  ep_wait(ep, 8, 0);
  char buf[16];
  CALL_DATA(recv(fd, buf, sizeof buf, 0), buf);
  ep_wait(ep, 8, 0);
  CALL(close(d));
  CALL(close(fd));
  CALL(close(ep));
}

COMPAT_CASE(dut, peer_hello_fin)
