// accept on a non-blocking listener: EAGAIN until a connection is queued.
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT);
  set_nonblock(l, true);
  CALL(accept(l, NULL, NULL));
  SYNC("ready");
  say("revents %s", fmt_events(wait_ev(l, POLLIN)));
  int c = CALL_FD(accept(l, NULL, NULL));
  CALL(accept(l, NULL, NULL));
  show_flags(c);
  CALL(close(c));
  CALL(close(l));
}

COMPAT_CASE(dut, peer_client)
