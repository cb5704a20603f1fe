// TCP_USER_TIMEOUT round trip; negative is EINVAL.
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  GETINT(fd, IPPROTO_TCP, TCP_USER_TIMEOUT);
  SETINT(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, 3000);
  GETINT(fd, IPPROTO_TCP, TCP_USER_TIMEOUT);
  SETINT(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, -1);
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
