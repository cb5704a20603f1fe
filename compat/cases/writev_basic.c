// writev gathers several buffers into the stream, empty ones included.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  struct iovec iov[4] = {{"he", 2}, {"", 0}, {"llo", 3}, {" there", 6}};
  CALL(writev(fd, iov, 4));
  CALL(writev(fd, iov, 0));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
