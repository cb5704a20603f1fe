// MSG_WAITALL on a non-blocking socket returns what is there.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  SYNC_HELLO();
  set_nonblock(fd, true);
  char buf[64];
  CALL_DATA(recv(fd, buf, 40, MSG_WAITALL), buf);
  CALL(recv(fd, buf, 40, MSG_WAITALL));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
