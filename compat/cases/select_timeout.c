// select times out with 0 and leaves the timeval at zero (Linux updates it).
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  fd_set r;
  FD_ZERO(&r);
  FD_SET(fd, &r);
  struct timeval tv = {.tv_usec = 150000};
  long t = now_ms();
  CALL(select(fd + 1, &r, NULL, NULL, &tv));
  say_elapsed(t, 150);
  say("timeval left %ld.%06ld, readable %d", (long)tv.tv_sec, (long)tv.tv_usec,
      FD_ISSET(fd, &r));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
