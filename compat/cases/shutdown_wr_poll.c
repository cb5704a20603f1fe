// Readiness after our SHUT_WR, after the peer's FIN, and after both.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP};
  poll_show(&p, 1, 0);
  CALL(shutdown(fd, SHUT_WR));
  poll_show(&p, 1, 0);  // the peer's FIN waits for "shut": no race with it
  SYNC("shut");
  SYNC("eof");
  wait_ev(fd, POLLRDHUP);
  poll_show(&p, 1, 0);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink_fin_after_shut)
