// MSG_TRUNC on TCP discards the bytes it reports.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  SYNC_HELLO();
  char buf[64];
  CALL(recv(fd, NULL, 2, MSG_TRUNC));
  CALL_DATA(recv(fd, buf, sizeof buf, 0), buf);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
