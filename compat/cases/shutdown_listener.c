// shutdown(SHUT_RD) on a listener stops it: accept then gives EINVAL.
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT2);
  CALL(shutdown(l, SHUT_RD));
  CALL(accept(l, NULL, NULL));
  GETINT(l, SOL_SOCKET, SO_ACCEPTCONN);
  CALL(listen(l, 4));
  GETINT(l, SOL_SOCKET, SO_ACCEPTCONN);
  CALL(close(l));
}

COMPAT_CASE(dut, NULL)
