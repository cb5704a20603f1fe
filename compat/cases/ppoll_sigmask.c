// ppoll unblocks a pending signal only while waiting: EINTR at once.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  sigset_t none;
  pend_signal(SIGUSR1, &none);
  struct pollfd p = {.fd = fd, .events = POLLIN};
  struct timespec ts = {.tv_sec = 1};
  CALL(ppoll(&p, 1, &ts, &none));
  say("count %d", signal_count(SIGUSR1));
  CALL(ppoll(&p, 1, &(struct timespec){0}, &none));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
