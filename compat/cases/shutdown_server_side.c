// An accepted socket half-closed by the server: the client reads EOF and
// still sends.
#include "compat.h"

static void dut(void) {
  int c = dut_accepted();
  CALL(send(c, "bye", 3, 0));
  CALL(shutdown(c, SHUT_WR));
  SYNC("sent");
  recv_show(c, 64);
  recv_show(c, 64);
  CALL(close(c));
}

static void peer(void) {
  SYNC("ready");
  int c = peer_connect(PORT);
  recv_until_eof(c);
  MUST(send(c, "late", 4, 0));
  MUST(shutdown(c, SHUT_WR));
  wait_acked(c);
  SYNC("sent");
  close(c);
}

COMPAT_CASE(dut, peer)
