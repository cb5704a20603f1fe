// SO_SNDTIMEO with a reader that does not read: a big blocking send returns
// a partial count after the timeout.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  struct timeval tv = {.tv_usec = 200000};
  CALL(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
  size_t n = 64 << 20;
  char *buf = calloc(1, n);
  long t = now_ms();
  CALL_PART(send(fd, buf, n, 0), (long)n);
  say_elapsed(t, 200);
  free(buf);
  rst_close(fd);
  SYNC("done");
}

COMPAT_CASE(dut, peer_hold)
