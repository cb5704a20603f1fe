// One socket in two epoll sets with different interests.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  int a = CALL_FD(epoll_create1(0)), b = CALL_FD(epoll_create1(0));
  ep_add(a, fd, EPOLLIN);
  ep_add(b, fd, EPOLLIN | EPOLLOUT | EPOLLET);
  SYNC_HELLO();
  ep_wait(a, 8, 0);
  ep_wait(b, 8, 0);
  ep_wait(b, 8, 0);
  ep_del(a, fd);
  ep_wait(a, 8, 0);
  CALL(close(a));
  ep_mod(b, fd, EPOLLIN);
  ep_wait(b, 8, 0);
  CALL(close(b));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
