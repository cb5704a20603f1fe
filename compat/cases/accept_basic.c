// A server accepts the peer's connection; names on both ends, then data.
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT);
  show_name(l);
  show_peer(l);
  SYNC("ready");
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;
  int c = CALL_FD(accept(l, (struct sockaddr *)&sin, &len));
  say("accept address %s len %u", fmt_addr((struct sockaddr *)&sin), len);
  show_name(c);
  show_peer(c);
  show_flags(c);
  SYNC_HELLO();
  recv_show(c, 64);
  CALL(send(c, "world", 5, 0));
  CALL(close(c));
  CALL(close(l));
}

COMPAT_CASE(dut, peer_client_hello)
