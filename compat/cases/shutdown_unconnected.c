// shutdown on a socket that is not connected: ENOTCONN; a bad how: EINVAL.
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  CALL(shutdown(fd, SHUT_RD));
  CALL(shutdown(fd, SHUT_WR));
  CALL(shutdown(fd, SHUT_RDWR));
  CALL(shutdown(fd, 7));
  CALL(shutdown(fd, -1));
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
