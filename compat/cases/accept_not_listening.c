// accept on a socket that is not listening: EINVAL (bound or not).
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  CALL(accept(fd, NULL, NULL));
  SETINT(fd, SOL_SOCKET, SO_REUSEADDR, 1);
  CALL(bind(fd, DUT_SA(PORT)));
  CALL(accept(fd, NULL, NULL));
  CALL(accept4(fd, NULL, NULL, SOCK_NONBLOCK));
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
