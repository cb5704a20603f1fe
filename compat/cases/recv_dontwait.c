// MSG_DONTWAIT on a blocking socket: EAGAIN when empty, data when not; the
// socket stays blocking.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  char buf[64];
  CALL(recv(fd, buf, sizeof buf, MSG_DONTWAIT));
  SYNC("go");
  SYNC("sent");
  CALL_DATA(recv(fd, buf, sizeof buf, MSG_DONTWAIT), buf);
  show_flags(fd);
  CALL(close(fd));
}

static void peer(void) {
  int c = peer_accepted();
  SYNC("go");
  hello_then_sink(c, false);
}

COMPAT_CASE(dut, peer)
