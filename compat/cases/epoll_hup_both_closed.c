// Both directions shut down: IN|OUT|HUP|RDHUP.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
  ep_wait(ep, 8, 0);
  CALL(shutdown(fd, SHUT_WR));
  SYNC("eof");
  wait_ev(fd, POLLRDHUP);
  ep_wait(ep, 8, 0);
  CALL(close(fd));
  CALL(close(ep));
}

COMPAT_CASE(dut, peer_sink_fin)
