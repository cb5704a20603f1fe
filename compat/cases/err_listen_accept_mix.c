// connect on a listener, accept on a client socket.
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT2);
  CALL(connect(l, PEER_SA(PORT)));
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(accept(fd, NULL, NULL));
  CALL(bind(fd, DUT_SA(0)));
  CALL(close(fd));
  CALL(close(l));
}

COMPAT_CASE(dut, peer_sink)
