// TCP_NODELAY round trip, before and after connect; any non-zero is 1.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = tcp_socket();
  GETINT(fd, IPPROTO_TCP, TCP_NODELAY);
  SETINT(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  GETINT(fd, IPPROTO_TCP, TCP_NODELAY);
  CALL(connect(fd, PEER_SA(PORT)));
  GETINT(fd, IPPROTO_TCP, TCP_NODELAY);
  SETINT(fd, IPPROTO_TCP, TCP_NODELAY, 0);
  GETINT(fd, IPPROTO_TCP, TCP_NODELAY);
  SETINT(fd, IPPROTO_TCP, TCP_NODELAY, 42);
  GETINT(fd, IPPROTO_TCP, TCP_NODELAY);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
