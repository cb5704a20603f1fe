// SO_REUSEPORT must be set on every socket sharing the port.
#include "compat.h"

static void dut(void) {
  int a = tcp_socket(), b = tcp_socket(), c = tcp_socket();
  SETINT(a, SOL_SOCKET, SO_REUSEPORT, 1);
  CALL(bind(a, DUT_SA(PORT2)));
  CALL(listen(a, 4));
  CALL(bind(b, DUT_SA(PORT2)));
  SETINT(c, SOL_SOCKET, SO_REUSEPORT, 1);
  CALL(bind(c, DUT_SA(PORT2)));
  CALL(listen(c, 4));
  GETINT(c, SOL_SOCKET, SO_REUSEPORT);
  CALL(close(a));
  CALL(close(b));
  CALL(close(c));
}

COMPAT_CASE(dut, NULL)
