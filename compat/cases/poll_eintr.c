// A signal interrupts poll with EINTR, with or without SA_RESTART.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  struct pollfd p = {.fd = fd, .events = POLLIN};
  on_signal(SIGALRM, false);
  alarm_ms(100);
  poll_show(&p, 1, -1);
  on_signal(SIGALRM, true);
  alarm_ms(100);
  poll_show(&p, 1, 5000);
  say("SIGALRM count %d", signal_count(SIGALRM));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
