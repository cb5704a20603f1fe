// SHUT_WR right after a large send: the FIN follows all of the data.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  send_pattern(fd, 1 << 20);
  CALL(shutdown(fd, SHUT_WR));
  SYNC("eof");
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink_eof)
