// A blocking connect to a port nobody listens on: the peer's RST gives
// ECONNREFUSED; the socket can be closed and a new one connects.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = CALL_FD(socket(AF_INET, SOCK_STREAM, 0));
  CALL(connect(fd, PEER_SA(PORT_CLOSED)));
  get_error(fd);
  CALL(connect(fd, PEER_SA(PORT_CLOSED)));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_none)
