// A reset on an established connection: the first send gives ECONNRESET,
// the next EPIPE.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  wait_rst(fd);
  CALL(send(fd, "a", 1, MSG_NOSIGNAL));
  CALL(send(fd, "b", 1, MSG_NOSIGNAL));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_rst)
