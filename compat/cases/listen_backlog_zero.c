// listen(0) still accepts one connection.
#include "compat.h"

static void dut(void) {
  int l = tcp_socket();
  SETINT(l, SOL_SOCKET, SO_REUSEADDR, 1);
  CALL(bind(l, DUT_SA(PORT)));
  CALL(listen(l, 0));
  SYNC("ready");
  int c = CALL_FD(accept(l, NULL, NULL));
  CALL(close(c));
  CALL(close(l));
}

COMPAT_CASE(dut, peer_client)
