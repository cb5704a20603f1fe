// SO_ERROR of a healthy connection is 0; after a reset it reports
// ECONNRESET once.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  get_error(fd);
  SYNC("checked");
  wait_rst(fd);
  get_error(fd);
  get_error(fd);
  char buf[4];
  CALL(recv(fd, buf, sizeof buf, 0));
  CALL(close(fd));
}

static void peer(void) {
  int c = peer_accepted();
  SYNC("checked");
  rst_close(c);
}

COMPAT_CASE(dut, peer)
