// Closing a listener resets the connections waiting in its accept queue.
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT);
  SYNC("ready");
  SYNC("queued");
  CALL(close(l));
  SYNC("closed");
}

static void peer(void) {
  SYNC("ready");
  int c = peer_connect(PORT);
  MUST(send(c, "q", 1, 0));
  wait_acked(c);  // the DUT's side is established, not a request
  SYNC("queued");
  SYNC("closed");
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
