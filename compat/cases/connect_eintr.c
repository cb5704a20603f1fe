// A signal without SA_RESTART interrupts a blocking connect (EINTR); the
// connect goes on, so the next one gives EALREADY.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  on_signal(SIGALRM, false);
  int fd = tcp_socket();
  alarm_ms(100);
  long t = now_ms();
  CALL(connect(fd, PEER_SA(PORT)));
  say_elapsed(t, 100);
  say("SIGALRM count %d", signal_count(SIGALRM));
  set_nonblock(fd, true);
  CALL(connect(fd, PEER_SA(PORT)));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_blackhole)
