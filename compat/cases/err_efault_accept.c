// accept with a bad address pointer: EFAULT (the connection is consumed on
// Linux, which copies the address after accepting).
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT);
  SYNC("ready");
  wait_ev(l, POLLIN);
  socklen_t len = sizeof(struct sockaddr_in);
  CALL(accept(l, bad_pointer(), &len));
  set_nonblock(l, true);
  CALL(accept(l, NULL, NULL));
  CALL(close(l));
}

COMPAT_CASE(dut, peer_client)
