// accept4 with a flag it does not know: EINVAL, and the connection stays
// queued for the next accept.
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT);
  SYNC("ready");
  wait_ev(l, POLLIN);
  CALL(accept4(l, NULL, NULL, 0x1));
  CALL(accept4(l, NULL, NULL, O_APPEND));
  int c = CALL_FD(accept4(l, NULL, NULL, 0));
  CALL(close(c));
  CALL(close(l));
}

COMPAT_CASE(dut, peer_client)
