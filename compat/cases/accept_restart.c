// With SA_RESTART a blocking accept survives the signal and returns the
// connection that comes later.
#include "compat.h"

static void dut(void) {
  on_signal(SIGALRM, true);
  int l = dut_listen(PORT);
  alarm_ms(50);
  SYNC("ready");
  int c = CALL_FD(accept(l, NULL, NULL));
  say("SIGALRM count %d", signal_count(SIGALRM));
  CALL(close(c));
  CALL(close(l));
}

static void peer(void) {
  SYNC("ready");
  sleep_ms(300);
  int c = peer_connect(PORT);
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
