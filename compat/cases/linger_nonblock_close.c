// SO_LINGER {1, 2} on a non-blocking socket whose peer does not read:
// close returns 0 within the linger time.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  set_nonblock(fd, true);
  static char buf[65536];
  while (send(fd, buf, sizeof buf, 0) > 0) {
  }
  set_linger(fd, 1, 2);
  long t = now_ms();
  CALL(close(fd));
  say("close within the linger time: %d", now_ms() - t < 2500);
  SYNC("done");
}

COMPAT_CASE(dut, peer_hold)
