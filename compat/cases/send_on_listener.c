// Data calls on a listening socket.
#include "compat.h"

static void dut(void) {
  on_signal(SIGPIPE, false);
  int l = dut_listen(PORT2);
  char buf[4];
  CALL(send(l, "a", 1, MSG_NOSIGNAL));
  CALL(recv(l, buf, sizeof buf, MSG_DONTWAIT));
  CALL(shutdown(l, SHUT_WR));
  show_peer(l);
  say("SIGPIPE count %d", signal_count(SIGPIPE));
  CALL(close(l));
}

COMPAT_CASE(dut, NULL)
