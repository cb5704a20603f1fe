// listen on a listening socket changes the backlog and succeeds.
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT);
  CALL(listen(l, 1));
  CALL(listen(l, 100));
  GETINT(l, SOL_SOCKET, SO_ACCEPTCONN);
  SYNC("ready");
  int c = CALL_FD(accept(l, NULL, NULL));
  CALL(close(c));
  CALL(close(l));
}

COMPAT_CASE(dut, peer_client)
