// getsockname/getpeername at each step of a server connection's life.
#include "compat.h"

static void dut(void) {
  int l = tcp_socket();
  show_name(l);
  SETINT(l, SOL_SOCKET, SO_REUSEADDR, 1);
  CALL(bind(l, DUT_SA(PORT)));
  show_name(l);
  show_peer(l);
  CALL(listen(l, 4));
  show_name(l);
  SYNC("ready");
  int c = accept_one(l);
  show_name(c);
  show_peer(c);
  CALL(shutdown(c, SHUT_WR));
  show_name(c);
  show_peer(c);
  SYNC("eof");
  wait_ev(c, POLLRDHUP);
  show_name(c);
  show_peer(c);
  CALL(close(c));
  CALL(close(l));
}

static void peer(void) {
  SYNC("ready");
  int c = peer_connect(PORT);
  recv_until_eof(c);
  SYNC("eof");
  close(c);
}

COMPAT_CASE(dut, peer)
