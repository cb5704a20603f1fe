// A second bind on a bound socket: EINVAL.
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  CALL(bind(fd, DUT_SA(0)));
  CALL(bind(fd, DUT_SA(0)));
  CALL(bind(fd, DUT_SA(PORT2)));
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
