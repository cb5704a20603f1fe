// pselect unblocks a pending signal while waiting (EINTR); with a timeout
// and no signal it returns 0.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  sigset_t none;
  pend_signal(SIGUSR1, &none);
  fd_set r;
  FD_ZERO(&r);
  FD_SET(fd, &r);
  struct timespec ts = {.tv_sec = 1};
  CALL(pselect(fd + 1, &r, NULL, NULL, &ts, &none));
  say("count %d", signal_count(SIGUSR1));
  FD_SET(fd, &r);
  ts = (struct timespec){.tv_nsec = 100000000};
  long t = now_ms();
  CALL(pselect(fd + 1, &r, NULL, NULL, &ts, &none));
  say_elapsed(t, 100);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
