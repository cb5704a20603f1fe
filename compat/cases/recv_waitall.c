// MSG_WAITALL gathers data that arrives in three pieces.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  char buf[64];
  CALL_DATA(recv(fd, buf, 15, MSG_WAITALL), buf);
  CALL(close(fd));
}

static void peer(void) {
  int l = peer_listen(PORT);
  SYNC("ready");
  int c = accept_one(l);
  const char *parts[] = {"first", "secnd", "third"};
  for (int i = 0; i < 3; i++) {
    sleep_ms(50);
    MUST(send(c, parts[i], 5, 0));
  }
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
