// The names of a connection that was reset: the local one stays, the peer
// is gone (ENOTCONN).
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  show_peer(fd);
  SYNC("go");
  wait_rst(fd);
  show_name(fd);
  show_peer(fd);
  CALL(close(fd));
}

static void peer(void) {
  int c = peer_accepted();
  SYNC("go");
  rst_close(c);
}

COMPAT_CASE(dut, peer)
