// close with unread data sends a RST instead of a FIN (RFC 2525 2.17).
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  SYNC_HELLO();
  show_fionread(fd);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
