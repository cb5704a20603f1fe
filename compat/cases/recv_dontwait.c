// MSG_DONTWAIT on a blocking socket: EAGAIN when empty, data when not; the
// socket stays blocking.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  char buf[64];
  CALL(recv(fd, buf, sizeof buf, MSG_DONTWAIT));
  SYNC_HELLO();
  CALL_DATA(recv(fd, buf, sizeof buf, MSG_DONTWAIT), buf);
  show_flags(fd);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
