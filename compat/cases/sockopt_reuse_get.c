// SO_REUSEADDR and SO_REUSEPORT read back as 0 or 1.
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  GETINT(fd, SOL_SOCKET, SO_REUSEADDR);
  GETINT(fd, SOL_SOCKET, SO_REUSEPORT);
  SETINT(fd, SOL_SOCKET, SO_REUSEADDR, 9);
  SETINT(fd, SOL_SOCKET, SO_REUSEPORT, 9);
  GETINT(fd, SOL_SOCKET, SO_REUSEADDR);
  GETINT(fd, SOL_SOCKET, SO_REUSEPORT);
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
