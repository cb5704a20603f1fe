// A socket moved to descriptor 1000 works with select (FD_SETSIZE 1024).
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(dup2(fd, 1000));
  CALL(close(fd));
  SYNC_HELLO();
  fd_set r;
  FD_ZERO(&r);
  FD_SET(1000, &r);
  struct timeval tv = {.tv_sec = 5};
  CALL(select(1001, &r, NULL, NULL, &tv));
  say("readable %d", FD_ISSET(1000, &r));
  recv_show(1000, 64);
  CALL(close(1000));
}

COMPAT_CASE(dut, peer_hello)
