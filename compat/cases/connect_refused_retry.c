// After ECONNREFUSED the application retries with a new socket once the
// peer listens.
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  CALL(connect(fd, PEER_SA(PORT)));
  CALL(close(fd));
  SYNC("refused");
  SYNC("ready");
  fd = tcp_socket();
  CALL(connect(fd, PEER_SA(PORT)));
  CALL(send(fd, "x", 1, 0));
  CALL(close(fd));
}

static void peer(void) {
  SYNC("refused");
  peer_sink();
}

COMPAT_CASE(dut, peer)
