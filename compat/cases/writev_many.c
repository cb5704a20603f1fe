// writev with 1024 one-byte buffers (IOV_MAX) works; 1025 is EINVAL.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  static struct iovec iov[1025];
  static char bytes[1025];
  fill_pattern(bytes, sizeof bytes, 0);
  for (int i = 0; i < 1025; i++) iov[i] = (struct iovec){bytes + i, 1};
  CALL(writev(fd, iov, 1025));
  CALL(writev(fd, iov, 1024));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
