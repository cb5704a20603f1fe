// read and write on a socket behave as recv and send with no flags.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  char buf[64];
  CALL(write(fd, "hello", 5));
  CALL_DATA(read(fd, buf, 5), buf);
  CALL(shutdown(fd, SHUT_WR));
  CALL(read(fd, buf, sizeof buf));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_echo)
