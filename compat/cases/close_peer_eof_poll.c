// The peer closes: POLLIN|POLLRDHUP, recv 0; our close afterwards is clean.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  wait_ev(fd, POLLRDHUP);
  poll_show(&(struct pollfd){.fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP}, 1, 0);
  char buf[8];
  CALL(recv(fd, buf, sizeof buf, 0));
  show_tcp_info(fd);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_close)
