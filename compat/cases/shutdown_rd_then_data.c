// Data that arrives after SHUT_RD.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(shutdown(fd, SHUT_RD));
  char buf[64];
  CALL(recv(fd, buf, sizeof buf, 0));
  SYNC_HELLO();
  CALL_DATA(recv(fd, buf, sizeof buf, MSG_DONTWAIT), buf);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
