// MSG_DONTWAIT on a blocking socket whose peer does not read: EAGAIN once
// the buffers are full; the socket itself stays blocking.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  static char buf[65536];
  long r;
  while ((r = send(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
  }
  say("send stopped: %s", errname(errno));
  show_flags(fd);
  rst_close(fd);
  SYNC("done");
}

COMPAT_CASE(dut, peer_hold)
