// poll on a socket: OUT when connected, IN once data arrives, then not.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
  poll_show(&p, 1, 0);
  SYNC_HELLO();
  poll_show(&p, 1, 0);
  drain_nonblock(fd);
  p.events = POLLIN;
  poll_show(&p, 1, 0);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
