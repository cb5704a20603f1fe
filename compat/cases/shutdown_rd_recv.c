// SHUT_RD: recv returns 0 at once, even with data queued before it.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  SYNC_HELLO();
  CALL(shutdown(fd, SHUT_RD));
  char buf[64];
  CALL_DATA(recv(fd, buf, sizeof buf, 0), buf);
  CALL(recv(fd, buf, sizeof buf, 0));
  CALL(send(fd, "still", 5, 0));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
