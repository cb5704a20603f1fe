// SHUT_RD then SHUT_WR: the peer sees EOF after the second.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(shutdown(fd, SHUT_RD));
  CALL(send(fd, "after-rd", 8, 0));
  CALL(shutdown(fd, SHUT_WR));
  SYNC("eof");
  CALL(close(fd));
}

static void peer(void) {
  int c = peer_accepted();
  recv_until_eof(c);
  SYNC("eof");
  close(c);
}

COMPAT_CASE(dut, peer)
