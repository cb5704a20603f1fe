// SO_RCVBUF/SO_SNDBUF: Linux doubles the value set and clamps tiny ones.
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  say("default rcvbuf > 0: %d", GETINT(fd, SOL_SOCKET, SO_RCVBUF) > 0);
  SETINT(fd, SOL_SOCKET, SO_RCVBUF, 65536);
  GETINT(fd, SOL_SOCKET, SO_RCVBUF);
  SETINT(fd, SOL_SOCKET, SO_SNDBUF, 65536);
  GETINT(fd, SOL_SOCKET, SO_SNDBUF);
  SETINT(fd, SOL_SOCKET, SO_RCVBUF, 1);
  GETINT(fd, SOL_SOCKET, SO_RCVBUF);
  SETINT(fd, SOL_SOCKET, SO_SNDBUF, 1);
  GETINT(fd, SOL_SOCKET, SO_SNDBUF);
  SETINT(fd, SOL_SOCKET, SO_RCVBUF, -5);
  GETINT(fd, SOL_SOCKET, SO_RCVBUF);
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
