// Readiness after our SHUT_RD.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP};
  CALL(shutdown(fd, SHUT_RD));
  poll_show(&p, 1, 0);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
