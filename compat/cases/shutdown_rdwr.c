// SHUT_RDWR: the peer sees EOF; recv gives 0, send EPIPE.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(shutdown(fd, SHUT_RDWR));
  char buf[8];
  CALL(recv(fd, buf, sizeof buf, 0));
  CALL(send(fd, "x", 1, MSG_NOSIGNAL));
  show_peer(fd);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
