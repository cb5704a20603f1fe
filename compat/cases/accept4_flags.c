// accept4 with SOCK_NONBLOCK and SOCK_CLOEXEC sets exactly those flags.
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT);
  SYNC("ready");
  int c = CALL_FD(accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC));
  show_flags(c);
  char buf[8];
  CALL(recv(c, buf, sizeof buf, 0));
  CALL(close(c));
  CALL(close(l));
}

COMPAT_CASE(dut, peer_client)
