// Two sockets on one port: EADDRINUSE at bind without SO_REUSEADDR.
#include "compat.h"

static void dut(void) {
  int a = tcp_socket(), b = tcp_socket();
  CALL(bind(a, DUT_SA(PORT2)));
  CALL(bind(b, DUT_SA(PORT2)));
  CALL(listen(a, 4));
  CALL(bind(b, DUT_SA(PORT2)));
  CALL(bind(b, ANY_SA(PORT2)));
  CALL(close(a));
  CALL(bind(b, DUT_SA(PORT2)));
  CALL(close(b));
}

COMPAT_CASE(dut, NULL)
