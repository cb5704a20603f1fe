// SO_LINGER {1, 5} with a reading peer: close waits for the data to be
// acknowledged and returns 0 well before the linger time.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  set_linger(fd, 1, 5);
  send_pattern(fd, 256 << 10);
  long t = now_ms();
  CALL(close(fd));
  say("close within 1s: %d", now_ms() - t < 1000);
}

COMPAT_CASE(dut, peer_sink)
