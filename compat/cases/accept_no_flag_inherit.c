// An accepted socket does not inherit O_NONBLOCK from its listener.
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT);
  CALL(fcntl(l, F_SETFL, O_NONBLOCK));
  CALL(fcntl(l, F_SETFD, FD_CLOEXEC));
  SYNC("ready");
  wait_ev(l, POLLIN);
  int c = CALL_FD(accept(l, NULL, NULL));
  show_flags(l);
  show_flags(c);
  CALL(close(c));
  CALL(close(l));
}

COMPAT_CASE(dut, peer_client)
