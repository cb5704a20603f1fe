// recv and read of zero bytes return 0 and leave the queued data alone.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  char buf[8];
  SYNC_HELLO();
  CALL(recv(fd, buf, 0, 0));
  CALL(read(fd, buf, 0));
  show_fionread(fd);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
