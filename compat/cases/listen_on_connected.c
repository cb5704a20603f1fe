// listen on a connected socket: EINVAL.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(listen(fd, 4));
  GETINT(fd, SOL_SOCKET, SO_ACCEPTCONN);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
