// Writing after the peer closed: the first send draws a RST, the next one
// fails with EPIPE and SIGPIPE kills the process (default disposition).
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  wait_ev(fd, POLLRDHUP);
  CALL(send(fd, "a", 1, 0));
  wait_rst(fd);
  say("about to send");
  CALL(send(fd, "b", 1, 0));
  say("not reached");
}

COMPAT_CASE(dut, peer_close)
