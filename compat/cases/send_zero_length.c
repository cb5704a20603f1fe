// A zero-length send returns 0 and puts nothing on the stream.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(send(fd, "", 0, 0));
  CALL(write(fd, "", 0));
  CALL(send(fd, "x", 1, 0));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
