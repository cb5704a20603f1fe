// accept with a short address buffer truncates and reports the full length;
// NULL address is fine.
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT);
  SYNC("ready");
  unsigned char buf[16];
  memset(buf, 0xaa, sizeof buf);
  socklen_t len = 4;
  int c = CALL_FD(accept(l, (struct sockaddr *)buf, &len));
  say("len %u family %d port-bytes-written %d", len, buf[0] | buf[1] << 8, buf[4] != 0xaa);
  CALL(close(c));
  SYNC("again");
  c = CALL_FD(accept(l, NULL, NULL));
  CALL(close(c));
  CALL(close(l));
}

static void peer(void) {
  peer_client();
  SYNC("again");
  int c = peer_connect(PORT);
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
