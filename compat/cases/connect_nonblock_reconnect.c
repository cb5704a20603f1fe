// A second connect on a non-blocking socket whose connect completed gives
// EISCONN.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = CALL_FD(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  CALL(connect(fd, PEER_SA(PORT)));
  wait_ev(fd, POLLOUT);
  CALL(connect(fd, PEER_SA(PORT)));
  CALL(connect(fd, PEER_SA(PORT)));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
