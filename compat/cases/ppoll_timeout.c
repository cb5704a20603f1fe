// ppoll with a timespec: times out, then sees data; NULL waits for data.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  struct pollfd p = {.fd = fd, .events = POLLIN};
  long t = now_ms();
  CALL(ppoll(&p, 1, &(struct timespec){.tv_nsec = 150000000}, NULL));
  say_elapsed(t, 150);
  SYNC("go");
  CALL(ppoll(&p, 1, NULL, NULL));
  say("revents %s", fmt_events((uint16_t)p.revents));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_late)
