// A connection reset while it waits in the accept queue.
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT);
  SYNC("ready");
  SYNC("reset");
  sleep_ms(100);
  set_nonblock(l, true);
  int c = CALL_FD(accept(l, NULL, NULL));
  if (c >= 0) {
    char buf[8];
    CALL(recv(c, buf, sizeof buf, 0));
    CALL(recv(c, buf, sizeof buf, 0));
    CALL(close(c));
  }
  CALL(close(l));
}

static void peer(void) {
  SYNC("ready");
  int c = peer_connect(PORT);
  rst_close(c);
  SYNC("reset");
}

COMPAT_CASE(dut, peer)
