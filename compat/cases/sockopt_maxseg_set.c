// TCP_MAXSEG before connect: set and read back on an unconnected socket.
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  SETINT(fd, IPPROTO_TCP, TCP_MAXSEG, 1000);
  SETINT(fd, IPPROTO_TCP, TCP_MAXSEG, 10);
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
