// MSG_NOSIGNAL: EPIPE without SIGPIPE; SO_ERROR and later sends.
#include "compat.h"

static void dut(void) {
  on_signal(SIGPIPE, false);
  SYNC("ready");
  int fd = dut_connect(PORT);
  wait_ev(fd, POLLRDHUP);
  CALL(send(fd, "a", 1, MSG_NOSIGNAL));
  wait_rst(fd);
  CALL(send(fd, "b", 1, MSG_NOSIGNAL));
  CALL(send(fd, "c", 1, MSG_NOSIGNAL));
  get_error(fd);
  say("SIGPIPE count %d", signal_count(SIGPIPE));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_close)
