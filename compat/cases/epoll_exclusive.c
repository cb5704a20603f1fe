// EPOLLEXCLUSIVE: allowed at ADD only; a listener in two exclusive sets is
// reported by both when polled.
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT);
  name_fd(l, "listener");
  int a = CALL_FD(epoll_create1(0)), b = CALL_FD(epoll_create1(0));
  ep_add(a, l, EPOLLIN | EPOLLEXCLUSIVE);
  ep_add(b, l, EPOLLIN | EPOLLEXCLUSIVE);
  ep_mod(a, l, EPOLLIN);
  ep_mod(a, l, EPOLLIN | EPOLLEXCLUSIVE);
  SYNC("ready");
  wait_ev(l, POLLIN);
  ep_wait(a, 8, 0);
  ep_wait(b, 8, 0);
  int c = CALL_FD(accept(l, NULL, NULL));
  ep_wait(a, 8, 0);
  ep_del(a, l);
  ep_add(a, l, EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT);
  CALL(close(c));
  CALL(close(a));
  CALL(close(b));
  CALL(close(l));
}

COMPAT_CASE(dut, peer_client)
