// A port is held per address: a listener on 127.0.0.1 does not hold it on
// 198.18.0.2 (a bind there succeeds), but it does on INADDR_ANY.
#include "compat.h"

static void dut(void) {
  int lo = tcp_socket(), a = tcp_socket(), any = tcp_socket();
  CALL(bind(lo, LOOP_SA(PORT2)));
  CALL(listen(lo, 4));
  CALL(bind(a, DUT_SA(PORT2)));
  show_name(a);
  CALL(listen(a, 4));
  CALL(bind(any, ANY_SA(PORT2)));
  CALL(close(lo));
  CALL(bind(any, ANY_SA(PORT2)));
  CALL(close(a));
  CALL(bind(any, ANY_SA(PORT2)));
  CALL(close(any));
}

COMPAT_CASE(dut, NULL)
