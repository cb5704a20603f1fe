// The readiness a refused non-blocking connect reports to poll and epoll.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = CALL_FD(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  name_fd(fd, "sock");
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
  CALL(connect(fd, PEER_SA(PORT_CLOSED)));
  wait_ev(fd, POLLOUT);
  poll_show(&(struct pollfd){.fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP}, 1, 0);
  ep_wait(ep, 8, 0);
  get_error(fd);
  poll_show(&(struct pollfd){.fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP}, 1, 0);
  CALL(close(fd));
  CALL(close(ep));
}

COMPAT_CASE(dut, peer_none)
