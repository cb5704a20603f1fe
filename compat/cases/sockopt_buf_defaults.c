// The default buffer sizes of a fresh and of a connected socket are the
// kernel's (tcp_rmem[1], tcp_wmem[1] before any traffic).
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  GETINT(fd, SOL_SOCKET, SO_RCVBUF);
  GETINT(fd, SOL_SOCKET, SO_SNDBUF);
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
