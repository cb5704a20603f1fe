// After the server closes first, its port is held (TIME-WAIT): a new bind
// fails without SO_REUSEADDR and succeeds with it.
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT_TW);
  SYNC("ready");
  int c = accept_one(l);
  CALL(close(c));
  SYNC("closed");
  CALL(close(l));
  int a = tcp_socket();
  CALL(bind(a, DUT_SA(PORT_TW)));
  SETINT(a, SOL_SOCKET, SO_REUSEADDR, 1);
  CALL(bind(a, DUT_SA(PORT_TW)));
  CALL(listen(a, 4));
  CALL(close(a));
}

static void peer(void) {
  SYNC("ready");
  int c = peer_connect(PORT_TW);
  recv_until_eof(c);
  close(c);
  SYNC("closed");
}

COMPAT_CASE(dut, peer)
