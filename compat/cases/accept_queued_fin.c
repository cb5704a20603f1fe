// A connection that sent data and its FIN before the accept: all of it is
// there after accept.
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT);
  SYNC("ready");
  SYNC("closed");
  int c = CALL_FD(accept(l, NULL, NULL));
  show_fionread(c);
  recv_show(c, 64);
  recv_show(c, 64);
  CALL(close(c));
  CALL(close(l));
}

static void peer(void) {
  SYNC("ready");
  int c = peer_connect(PORT);
  MUST(send(c, "early", 5, 0));
  MUST(shutdown(c, SHUT_WR));
  wait_state(c, TCP_FIN_WAIT2);
  SYNC("closed");
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
