// SO_RCVTIMEO: a blocking recv gives EAGAIN after the timeout.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  struct timeval tv = {.tv_usec = 200000};
  CALL(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  char buf[8];
  long t = now_ms();
  CALL(recv(fd, buf, sizeof buf, 0));
  say_elapsed(t, 200);
  t = now_ms();
  CALL(read(fd, buf, sizeof buf));
  say_elapsed(t, 200);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
