// Edge-triggered listener with three queued connections: one report, and
// an accept loop to EAGAIN takes all three.
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT);
  set_nonblock(l, true);
  name_fd(l, "listener");
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, l, EPOLLIN | EPOLLET);
  SYNC("ready");
  SYNC("connected");
  ep_wait(ep, 8, 1000);
  ep_wait(ep, 8, 0);
  int n = 0, c;
  while ((c = accept(l, NULL, NULL)) >= 0) {
    n++;
    close(c);
  }
  say("accepted %d, then %s", n, errname(errno));
  CALL(close(ep));
  CALL(close(l));
}

static void peer(void) {
  SYNC("ready");
  int c[3];
  for (int i = 0; i < 3; i++) {
    c[i] = peer_connect(PORT);
    MUST(send(c[i], "x", 1, 0));
    wait_acked(c[i]);
  }
  SYNC("connected");
  for (int i = 0; i < 3; i++) {
    recv_until_eof(c[i]);
    close(c[i]);
  }
}

COMPAT_CASE(dut, peer)
