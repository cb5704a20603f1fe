// With SA_RESTART a blocking recv survives a signal and returns the data
// that comes later.
#include "compat.h"

static void dut(void) {
  on_signal(SIGALRM, true);
  SYNC("ready");
  int fd = dut_connect(PORT);
  char buf[8];
  alarm_ms(50);
  SYNC("go");
  CALL_DATA(recv(fd, buf, sizeof buf, 0), buf);
  say("SIGALRM count %d", signal_count(SIGALRM));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_late)
