// SO_LINGER {1, 0}: close resets the connection; data queued is dropped.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(send(fd, "x", 1, 0));
  SYNC("got");
  struct linger l = {.l_onoff = 1, .l_linger = 0};
  CALL(setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l));
  CALL(close(fd));
}

static void peer(void) {
  int c = peer_accepted();
  recv_show(c, 64);
  SYNC("got");
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
