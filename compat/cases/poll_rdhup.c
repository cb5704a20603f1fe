// POLLRDHUP after the peer's FIN, with the data before it.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDHUP};
  poll_show(&p, 1, 0);
  SYNC_HELLO();
  poll_show(&p, 1, 0);
  recv_show(fd, 64);
  poll_show(&p, 1, 0);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello_fin)
