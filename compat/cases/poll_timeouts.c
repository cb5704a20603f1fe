// poll timeouts: 0, N ms, and -1 ended by data.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  struct pollfd p = {.fd = fd, .events = POLLIN};
  long t = now_ms();
  poll_show(&p, 1, 0);
  say_elapsed(t, 0);
  t = now_ms();
  poll_show(&p, 1, 200);
  say_elapsed(t, 200);
  SYNC("go");
  t = now_ms();
  poll_show(&p, 1, -1);
  say_elapsed(t, 300);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_late)
