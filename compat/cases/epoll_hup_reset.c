// A reset: EPOLLERR and EPOLLHUP are reported without being asked for.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, fd, 0);
  ep_wait(ep, 8, 1000);
  get_error(fd);
  ep_wait(ep, 8, 0);
  ep_mod(ep, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
  ep_wait(ep, 8, 0);
  CALL(close(fd));
  CALL(close(ep));
}

COMPAT_CASE(dut, peer_rst)
