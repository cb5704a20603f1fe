// F_DUPFD and F_DUPFD_CLOEXEC take the lowest free number at or above the
// argument.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(fcntl(fd, F_DUPFD, 50));
  CALL(fcntl(fd, F_DUPFD, 50));
  CALL(fcntl(fd, F_DUPFD_CLOEXEC, 60));
  show_flags(60);
  CALL(send(51, "via 51", 6, 0));
  CALL(fcntl(fd, F_DUPFD, -1));
  close(50);
  close(51);
  close(60);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
