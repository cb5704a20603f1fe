// SO_SNDTIMEO bounds a blocking connect: EINPROGRESS after the timeout.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = tcp_socket();
  struct timeval tv = {.tv_usec = 200000};
  CALL(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
  long t = now_ms();
  CALL(connect(fd, PEER_SA(PORT)));
  say_elapsed(t, 200);
  CALL(connect(fd, PEER_SA(PORT)));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_blackhole)
