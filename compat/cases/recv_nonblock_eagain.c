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
  SYNC("go");
  SYNC("sent");
  CALL_DATA(read(fd, buf, sizeof buf), buf);
  CALL(close(fd));
}

static void peer(void) {
  int c = peer_accepted();
  SYNC("go");
  hello_then_sink(c, false);
}

COMPAT_CASE(dut, peer)
