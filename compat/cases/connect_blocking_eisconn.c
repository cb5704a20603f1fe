// connect on a connected socket: EISCONN, whatever the address.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = tcp_socket();
  CALL(connect(fd, PEER_SA(PORT)));
  CALL(connect(fd, PEER_SA(PORT)));
  CALL(connect(fd, PEER_SA(PORT2)));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
