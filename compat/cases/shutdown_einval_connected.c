// A bad how on a connected socket: EINVAL, and the connection is intact.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(shutdown(fd, 3));
  CALL(send(fd, "ok", 2, 0));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
