// SO_REUSEADDR on both does not allow a second bind while the first listens.
#include "compat.h"

static void dut(void) {
  int a = tcp_socket(), b = tcp_socket();
  SETINT(a, SOL_SOCKET, SO_REUSEADDR, 1);
  SETINT(b, SOL_SOCKET, SO_REUSEADDR, 1);
  CALL(bind(a, DUT_SA(PORT2)));
  CALL(listen(a, 4));
  CALL(bind(b, DUT_SA(PORT2)));
  CALL(close(a));
  CALL(bind(b, DUT_SA(PORT2)));
  CALL(close(b));
}

COMPAT_CASE(dut, NULL)
