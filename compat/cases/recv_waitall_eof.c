// MSG_WAITALL returns short at EOF.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  SYNC_HELLO();
  char buf[64];
  CALL_DATA(recv(fd, buf, 40, MSG_WAITALL), buf);
  CALL(recv(fd, buf, 40, MSG_WAITALL));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello_fin)
