// A signal during a blocking send that has copied some bytes: the count,
// not EINTR.
#include "compat.h"

static void dut(void) {
  on_signal(SIGALRM, false);
  SYNC("ready");
  int fd = dut_connect(PORT);
  size_t n = 64 << 20;
  char *buf = calloc(1, n);
  alarm_ms(200);
  CALL_PART(send(fd, buf, n, 0), (long)n);
  say("SIGALRM count %d", signal_count(SIGALRM));
  free(buf);
  rst_close(fd);
  SYNC("done");
}

COMPAT_CASE(dut, peer_hold)
