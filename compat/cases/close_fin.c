// close sends the queued data and a FIN: the peer reads both.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(send(fd, "last words", 10, 0));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
