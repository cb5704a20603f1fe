// pselect with no mask waits for a socket to become readable.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  SYNC("go");
  fd_set r;
  FD_ZERO(&r);
  FD_SET(fd, &r);
  CALL(pselect(fd + 1, &r, NULL, NULL, NULL, NULL));
  say("readable %d", FD_ISSET(fd, &r));
  recv_show(fd, 64);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_late)
