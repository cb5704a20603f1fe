// The plain client: connect, send a request, read the echo, close.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  char buf[64];
  CALL(send(fd, "ping", 4, 0));
  CALL_DATA(recv(fd, buf, 4, MSG_WAITALL), buf);
  CALL(shutdown(fd, SHUT_WR));
  CALL(recv(fd, buf, sizeof buf, 0));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_echo)
