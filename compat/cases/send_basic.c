// send, then close: the peer gets the data and EOF.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(send(fd, "hello", 5, 0));
  CALL(send(fd, " world", 6, MSG_NOSIGNAL));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
