// A signal interrupts select: EINTR.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  on_signal(SIGALRM, true);
  fd_set r;
  FD_ZERO(&r);
  FD_SET(fd, &r);
  alarm_ms(100);
  CALL(select(fd + 1, &r, NULL, NULL, NULL));
  say("SIGALRM count %d", signal_count(SIGALRM));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
