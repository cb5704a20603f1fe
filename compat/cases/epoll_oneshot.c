// EPOLLONESHOT: one report, then silence until EPOLL_CTL_MOD re-arms it.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, fd, EPOLLIN | EPOLLONESHOT);
  SYNC_HELLO();
  ep_wait(ep, 8, 0);
  ep_wait(ep, 8, 0);
  ep_mod(ep, fd, EPOLLIN | EPOLLONESHOT);
  ep_wait(ep, 8, 0);
  ep_wait(ep, 8, 0);
  ep_add(ep, fd, EPOLLIN);
  ep_del(ep, fd);
  CALL(close(fd));
  CALL(close(ep));
}

COMPAT_CASE(dut, peer_hello)
