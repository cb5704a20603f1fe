// SIGPIPE ignored: write and send fail with EPIPE and the process lives.
#include "compat.h"

static void dut(void) {
  signal(SIGPIPE, SIG_IGN);
  SYNC("ready");
  int fd = dut_connect(PORT);
  wait_ev(fd, POLLRDHUP);
  CALL(write(fd, "a", 1));
  wait_rst(fd);
  CALL(write(fd, "b", 1));
  CALL(send(fd, "c", 1, 0));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_close)
