// SHUT_RD then SHUT_WR: the peer sees EOF after the second.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(shutdown(fd, SHUT_RD));
  CALL(send(fd, "after-rd", 8, 0));
  CALL(shutdown(fd, SHUT_WR));
  SYNC("eof");
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink_eof)
