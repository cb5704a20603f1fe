// SHUT_WR: the peer reads EOF, and can still send back to us.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(send(fd, "req", 3, 0));
  CALL(shutdown(fd, SHUT_WR));
  SYNC("sent");
  char buf[64];
  CALL_DATA(recv(fd, buf, sizeof buf, 0), buf);
  CALL(recv(fd, buf, sizeof buf, 0));
  CALL(close(fd));
}

static void peer(void) {
  int c = peer_accepted();
  recv_until_eof(c);
  MUST(send(c, "reply", 5, 0));
  MUST(shutdown(c, SHUT_WR));
  wait_acked(c);
  SYNC("sent");
  close(c);
}

COMPAT_CASE(dut, peer)
