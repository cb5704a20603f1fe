// SO_ACCEPTCONN: 0 before listen, 1 after; 0 on accepted and client sockets.
#include "compat.h"

static void dut(void) {
  int l = tcp_socket();
  GETINT(l, SOL_SOCKET, SO_ACCEPTCONN);
  SETINT(l, SOL_SOCKET, SO_REUSEADDR, 1);
  CALL(bind(l, DUT_SA(PORT)));
  GETINT(l, SOL_SOCKET, SO_ACCEPTCONN);
  CALL(listen(l, 4));
  GETINT(l, SOL_SOCKET, SO_ACCEPTCONN);
  SYNC("ready");
  int c = accept_one(l);
  GETINT(c, SOL_SOCKET, SO_ACCEPTCONN);
  CALL(setsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &(int){0}, sizeof(int)));
  CALL(close(c));
  CALL(close(l));
}

COMPAT_CASE(dut, peer_client)
