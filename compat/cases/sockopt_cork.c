// TCP_CORK round trip; cork and nodelay together.
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  GETINT(fd, IPPROTO_TCP, TCP_CORK);
  SETINT(fd, IPPROTO_TCP, TCP_CORK, 1);
  SETINT(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  GETINT(fd, IPPROTO_TCP, TCP_CORK);
  GETINT(fd, IPPROTO_TCP, TCP_NODELAY);
  SETINT(fd, IPPROTO_TCP, TCP_CORK, 0);
  GETINT(fd, IPPROTO_TCP, TCP_CORK);
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
