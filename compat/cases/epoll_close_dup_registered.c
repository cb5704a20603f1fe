// Closing a registered descriptor while a dup keeps the socket open: the
// registration lives on and still reports under the old number (a Linux
// rule applications trip over; epoll tracks the open file, not the number).
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "closed-number");
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, fd, EPOLLIN);
  int d = (int)MUST(fcntl(fd, F_DUPFD, 40));
  CALL(close(fd));
  SYNC_HELLO();
  ep_wait(ep, 8, 1000);
  ep_del(ep, fd);
  recv_show(d, 64);
  CALL(close(d));
  CALL(close(ep));
}

COMPAT_CASE(dut, peer_hello)
