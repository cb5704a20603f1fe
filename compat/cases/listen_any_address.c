// A listener on INADDR_ANY accepts connections to 198.18.0.2; the accepted
// socket's local name is that address.
#include "compat.h"

static void dut(void) {
  int l = tcp_socket();
  SETINT(l, SOL_SOCKET, SO_REUSEADDR, 1);
  CALL(bind(l, ANY_SA(PORT)));
  CALL(listen(l, 8));
  show_name(l);
  SYNC("ready");
  int c = CALL_FD(accept(l, NULL, NULL));
  show_name(c);
  show_peer(c);
  SYNC_HELLO();
  recv_show(c, 64);
  CALL(close(c));
  CALL(close(l));
}

COMPAT_CASE(dut, peer_client_hello)
