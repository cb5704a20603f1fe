// TCP_INFO after a megabyte went out and was acknowledged: nothing unacked.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  send_pattern(fd, 1 << 20);
  SYNC("read");
  show_tcp_info(fd);
  CALL(close(fd));
}

static void peer(void) {
  int c = peer_accepted();
  recv_all(c, 1 << 20);
  SYNC("read");
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
