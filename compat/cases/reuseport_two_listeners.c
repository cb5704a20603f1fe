// SO_REUSEPORT: two listeners on one port; four connections are spread over
// them and all are accepted.
#include "compat.h"

static void dut(void) {
  int l[2];
  for (int i = 0; i < 2; i++) {
    l[i] = tcp_socket();
    SETINT(l[i], SOL_SOCKET, SO_REUSEADDR, 1);
    SETINT(l[i], SOL_SOCKET, SO_REUSEPORT, 1);
    CALL(bind(l[i], DUT_SA(PORT)));
    CALL(listen(l[i], 8));
    set_nonblock(l[i], true);
  }
  SYNC("ready");
  SYNC("connected");
  int total = 0;
  for (long deadline = now_ms() + 5000; total < 4 && now_ms() < deadline;) {
    for (int i = 0; i < 2; i++) {
      int c = accept(l[i], NULL, NULL);
      if (c >= 0) {
        total++;
        close(c);
      }
    }
  }
  say("accepted %d", total);
  CALL(close(l[0]));
  CALL(close(l[1]));
}

static void peer(void) {
  SYNC("ready");
  int c[4];
  for (int i = 0; i < 4; i++) c[i] = peer_connect(PORT);
  SYNC("connected");
  for (int i = 0; i < 4; i++) {
    recv_until_eof(c[i]);
    close(c[i]);
  }
}

COMPAT_CASE(dut, peer)
