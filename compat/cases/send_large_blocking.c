// A blocking send of 8 MiB returns the whole count; the peer gets it all.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  size_t n = 8 << 20;
  char *buf = malloc(n);
  fill_pattern(buf, n, 0);
  CALL(send(fd, buf, n, 0));
  free(buf);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
