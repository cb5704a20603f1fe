// send after our own SHUT_WR: EPIPE (and SIGPIPE unless MSG_NOSIGNAL).
#include "compat.h"

static void dut(void) {
  on_signal(SIGPIPE, false);
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(shutdown(fd, SHUT_WR));
  CALL(send(fd, "a", 1, MSG_NOSIGNAL));
  CALL(send(fd, "a", 1, 0));
  say("SIGPIPE count %d", signal_count(SIGPIPE));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
