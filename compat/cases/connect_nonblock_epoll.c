// Non-blocking connect completion reported by epoll as EPOLLOUT.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int ep = CALL_FD(epoll_create1(0));
  int fd = CALL_FD(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  name_fd(fd, "sock");
  CALL(connect(fd, PEER_SA(PORT)));
  ep_add(ep, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
  ep_wait(ep, 8, 5000);
  get_error(fd);
  CALL(close(fd));
  CALL(close(ep));
}

COMPAT_CASE(dut, peer_sink)
