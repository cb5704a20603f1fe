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

static void peer(void) {
  int c = peer_accepted();
  SYNC("go");
  sleep_ms(100);
  MUST(send(c, "x", 1, 0));
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
