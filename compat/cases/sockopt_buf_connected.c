// Buffer sizes set before connect stay as set on the connected socket.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = tcp_socket();
  SETINT(fd, SOL_SOCKET, SO_RCVBUF, 32768);
  SETINT(fd, SOL_SOCKET, SO_SNDBUF, 32768);
  CALL(connect(fd, PEER_SA(PORT)));
  GETINT(fd, SOL_SOCKET, SO_RCVBUF);
  GETINT(fd, SOL_SOCKET, SO_SNDBUF);
  send_pattern(fd, 1 << 20);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
