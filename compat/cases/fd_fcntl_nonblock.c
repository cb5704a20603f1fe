// O_NONBLOCK through fcntl: it is shared by dup'ed descriptors.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  int d = (int)MUST(dup(fd));
  CALL(fcntl(fd, F_GETFL) & O_NONBLOCK);
  CALL(fcntl(fd, F_SETFL, O_NONBLOCK));
  show_flags(fd);
  show_flags(d);
  char buf[4];
  CALL(recv(d, buf, sizeof buf, 0));
  CALL(fcntl(d, F_SETFL, 0));
  show_flags(fd);
  CALL(close(d));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
