// close of a closed descriptor: EBADF.
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  CALL(close(fd));
  CALL(close(fd));
  CALL(close(-1));
}

COMPAT_CASE(dut, NULL)
