// Data that arrives after SHUT_RD.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(shutdown(fd, SHUT_RD));
  char buf[64];
  CALL(recv(fd, buf, sizeof buf, 0));
  SYNC("go");
  SYNC("sent");
  CALL_DATA(recv(fd, buf, sizeof buf, MSG_DONTWAIT), buf);
  CALL(close(fd));
}

static void peer(void) {
  int c = peer_accepted();
  SYNC("go");
  hello_then_sink(c, false);
}

COMPAT_CASE(dut, peer)
