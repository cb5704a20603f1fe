// SHUT_WR then SHUT_RD, each once, then both again, while the peer holds
// its side open.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(shutdown(fd, SHUT_WR));
  CALL(shutdown(fd, SHUT_RD));
  CALL(shutdown(fd, SHUT_WR));
  CALL(shutdown(fd, SHUT_RDWR));
  name_fd(fd, "sock");
  poll_show(&(struct pollfd){.fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP}, 1, 0);
  SYNC("done");
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hold)
