// select reports a socket readable once data arrives; the sets are rewritten.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  fd_set r, w;
  FD_ZERO(&r);
  FD_ZERO(&w);
  FD_SET(fd, &r);
  struct timeval tv = {0};
  CALL(select(fd + 1, &r, NULL, NULL, &tv));
  say("readable %d", FD_ISSET(fd, &r));
  SYNC_HELLO();
  FD_SET(fd, &r);
  FD_SET(fd, &w);
  tv = (struct timeval){.tv_sec = 1};
  CALL(select(fd + 1, &r, &w, NULL, &tv));
  say("readable %d writable %d", FD_ISSET(fd, &r), FD_ISSET(fd, &w));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
