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

static void peer(void) {
  SYNC("ready");
  int c[3];
  for (int i = 0; i < 3; i++) {
    c[i] = peer_connect(PORT);
    char msg[2] = {(char)('1' + i), 0};
    MUST(send(c[i], msg, 1, 0));
    wait_acked(c[i]);
  }
  SYNC("queued");
  for (int i = 0; i < 3; i++) {
    recv_until_eof(c[i]);
    close(c[i]);
  }
}

COMPAT_CASE(dut, peer)
