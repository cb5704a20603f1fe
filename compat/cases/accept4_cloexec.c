// accept4(SOCK_CLOEXEC) leaves the socket blocking; plain accept sets neither.
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT);
  SYNC("ready");
  int c = CALL_FD(accept4(l, NULL, NULL, SOCK_CLOEXEC));
  show_flags(c);
  SYNC_HELLO();
  recv_show(c, 64);
  CALL(close(c));
  CALL(close(l));
}

COMPAT_CASE(dut, peer_client_hello)
