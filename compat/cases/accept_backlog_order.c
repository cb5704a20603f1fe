// Three connections queue before the first accept; they come out in order.
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT);
  SYNC("ready");
  SYNC("queued");
  for (int i = 0; i < 3; i++) {
    int c = CALL_FD(accept(l, NULL, NULL));
    recv_show(c, 64);
    CALL(close(c));
  }
  CALL(close(l));
}

COMPAT_CASE(dut, peer_queue_three)
