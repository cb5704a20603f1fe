// Positional I/O and lseek on a socket: ESPIPE.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  char buf[8];
  struct iovec iov = {buf, sizeof buf};
  CALL(pread(fd, buf, sizeof buf, 0));
  CALL(pwrite(fd, "x", 1, 0));
  CALL(preadv(fd, &iov, 1, 0));
  CALL(pwritev(fd, &iov, 1, 0));
  CALL(lseek(fd, 0, SEEK_CUR));
  CALL(pread(fd, buf, sizeof buf, -1));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
