// Options set on a listener that an accepted socket inherits.
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT);
  SETINT(l, IPPROTO_TCP, TCP_NODELAY, 1);
  SETINT(l, SOL_SOCKET, SO_KEEPALIVE, 1);
  SETINT(l, IPPROTO_TCP, TCP_KEEPIDLE, 77);
  SETINT(l, SOL_SOCKET, SO_RCVBUF, 40000);
  SYNC("ready");
  int c = accept_one(l);
  GETINT(c, IPPROTO_TCP, TCP_NODELAY);
  GETINT(c, SOL_SOCKET, SO_KEEPALIVE);
  GETINT(c, IPPROTO_TCP, TCP_KEEPIDLE);
  GETINT(c, SOL_SOCKET, SO_RCVBUF);
  GETINT(c, SOL_SOCKET, SO_REUSEADDR);
  CALL(close(c));
  CALL(close(l));
}

COMPAT_CASE(dut, peer_client)
