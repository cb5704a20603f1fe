// O_NONBLOCK: EAGAIN (== EWOULDBLOCK) on an empty socket, for read too.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  set_nonblock(fd, true);
  char buf[64];
  CALL(recv(fd, buf, sizeof buf, 0));
  CALL(read(fd, buf, sizeof buf));
  say("EAGAIN == EWOULDBLOCK: %d", EAGAIN == EWOULDBLOCK);
  SYNC_HELLO();
  CALL_DATA(read(fd, buf, sizeof buf), buf);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
