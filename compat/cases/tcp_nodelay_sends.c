// TCP_NODELAY: each small write goes out at once (the peer sees the first
// before the second is written).
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  SETINT(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  for (int i = 0; i < 3; i++) {
    CALL(send(fd, "x", 1, 0));
    SYNC("seen");
  }
  CALL(close(fd));
}

static void peer(void) {
  int l = peer_listen(PORT);
  SYNC("ready");
  int c = accept_one(l);
  for (int i = 0; i < 3; i++) {
    recv_show(c, 64);
    SYNC("seen");
  }
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
