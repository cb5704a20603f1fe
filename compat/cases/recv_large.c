// A 4 MiB stream from the peer arrives whole and in order.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  recv_until_eof(fd);
  CALL(close(fd));
}

static void peer(void) {
  int l = peer_listen(PORT);
  SYNC("ready");
  int c = accept_one(l);
  send_pattern(c, 4 << 20);
  close(c);
}

COMPAT_CASE(dut, peer)
