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
  SYNC("queued");
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

COMPAT_CASE(dut, peer_queue_three)
