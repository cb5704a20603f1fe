// After a reset, select reports the socket readable and writable.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  wait_rst(fd);
  fd_set r, w, x;
  FD_ZERO(&r);
  FD_ZERO(&w);
  FD_ZERO(&x);
  FD_SET(fd, &r);
  FD_SET(fd, &w);
  FD_SET(fd, &x);
  CALL(select(fd + 1, &r, &w, &x, &(struct timeval){0}));
  say("read %d write %d except %d", FD_ISSET(fd, &r), FD_ISSET(fd, &w), FD_ISSET(fd, &x));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_rst)
