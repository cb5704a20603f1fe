// A signal interrupts a blocking recv: EINTR.
#include "compat.h"

static void dut(void) {
  on_signal(SIGALRM, false);
  SYNC("ready");
  int fd = dut_connect(PORT);
  char buf[8];
  alarm_ms(100);
  long t = now_ms();
  CALL(recv(fd, buf, sizeof buf, 0));
  say_elapsed(t, 100);
  say("SIGALRM count %d", signal_count(SIGALRM));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
