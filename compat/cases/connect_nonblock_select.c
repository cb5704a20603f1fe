// Non-blocking connect completion seen by select() as writable.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = CALL_FD(socket(AF_INET, SOCK_STREAM, 0));
  set_nonblock(fd, true);
  CALL(connect(fd, PEER_SA(PORT)));
  fd_set r, w;
  FD_ZERO(&r);
  FD_ZERO(&w);
  FD_SET(fd, &r);
  FD_SET(fd, &w);
  struct timeval tv = {.tv_sec = 5};
  CALL(select(fd + 1, &r, &w, NULL, &tv));
  say("readable %d writable %d", FD_ISSET(fd, &r), FD_ISSET(fd, &w));
  get_error(fd);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
