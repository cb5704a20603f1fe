// A reset: the next recv gives ECONNRESET, later ones 0.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  wait_rst(fd);
  char buf[8];
  CALL(recv(fd, buf, sizeof buf, 0));
  CALL(recv(fd, buf, sizeof buf, 0));
  get_error(fd);
  show_tcp_info(fd);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_rst)
