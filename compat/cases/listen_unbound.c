// listen without bind picks an ephemeral port on the wildcard address.
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  CALL(listen(fd, 4));
  show_name(fd);
  GETINT(fd, SOL_SOCKET, SO_ACCEPTCONN);
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
