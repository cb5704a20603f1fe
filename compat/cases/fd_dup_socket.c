// dup: both numbers are the same socket; closing one keeps the connection.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  int d = CALL_FD(dup(fd));
  show_peer(d);
  CALL(send(d, "via-dup ", 8, 0));
  CALL(close(fd));
  CALL(send(d, "after-close", 11, 0));
  show_peer(d);
  CALL(close(d));
}

COMPAT_CASE(dut, peer_sink)
