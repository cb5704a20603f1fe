// SO_REUSEADDR on both: two binds succeed while neither listens; the second
// listen then fails with EADDRINUSE.
#include "compat.h"

static void dut(void) {
  int a = tcp_socket(), b = tcp_socket();
  SETINT(a, SOL_SOCKET, SO_REUSEADDR, 1);
  SETINT(b, SOL_SOCKET, SO_REUSEADDR, 1);
  CALL(bind(a, DUT_SA(PORT2)));
  CALL(bind(b, DUT_SA(PORT2)));
  CALL(listen(a, 4));
  CALL(listen(b, 4));
  CALL(close(a));
  CALL(close(b));
}

COMPAT_CASE(dut, NULL)
