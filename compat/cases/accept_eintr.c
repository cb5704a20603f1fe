// A signal interrupts a blocking accept: EINTR (no SA_RESTART).
#include "compat.h"

static void dut(void) {
  on_signal(SIGALRM, false);
  int l = dut_listen(PORT);
  alarm_ms(100);
  long t = now_ms();
  CALL(accept(l, NULL, NULL));
  say_elapsed(t, 100);
  say("SIGALRM count %d", signal_count(SIGALRM));
  CALL(close(l));
}

COMPAT_CASE(dut, NULL)
