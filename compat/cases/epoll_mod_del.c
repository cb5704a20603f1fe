// MOD changes the interest set; DEL removes it; errors for each misuse.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  int ep = CALL_FD(epoll_create1(0));
  ep_mod(ep, fd, EPOLLIN);
  ep_del(ep, fd);
  ep_add(ep, fd, EPOLLIN);
  ep_add(ep, fd, EPOLLIN);
  SYNC_HELLO();
  ep_wait(ep, 8, 0);
  ep_mod(ep, fd, EPOLLOUT);
  ep_wait(ep, 8, 0);
  ep_mod(ep, fd, 0);
  ep_wait(ep, 8, 0);
  ep_del(ep, fd);
  ep_wait(ep, 8, 0);
  ep_del(ep, fd);
  CALL(close(fd));
  CALL(close(ep));
}

COMPAT_CASE(dut, peer_hello)
