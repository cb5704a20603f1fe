// recv returns what the peer sent; then nothing is left (EAGAIN).
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  SYNC_HELLO();
  char buf[64];
  CALL_DATA(recv(fd, buf, sizeof buf, 0), buf);
  CALL(recv(fd, buf, sizeof buf, MSG_DONTWAIT));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
