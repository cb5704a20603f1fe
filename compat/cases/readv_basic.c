// readv scatters one read over several buffers.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  SYNC_HELLO();
  char a[2], b[1], c[8];
  struct iovec iov[3] = {{a, sizeof a}, {b, sizeof b}, {c, sizeof c}};
  CALL(readv(fd, iov, 3));
  say("a=%.2s b=%.1s c=%.2s", a, b, c);
  CALL(readv(fd, iov, 0));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
