// FD_CLOEXEC belongs to the descriptor, not the socket.
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  int d = (int)MUST(dup(fd));
  CALL(fcntl(fd, F_SETFD, FD_CLOEXEC));
  CALL(fcntl(fd, F_GETFD));
  CALL(fcntl(d, F_GETFD));
  CALL(fcntl(fd, F_SETFD, 0));
  CALL(fcntl(fd, F_GETFD));
  CALL(close(d));
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
