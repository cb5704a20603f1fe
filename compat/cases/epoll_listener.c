// A listener is readable while connections wait to be accepted.
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT);
  set_nonblock(l, true);
  name_fd(l, "listener");
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, l, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
  ep_wait(ep, 8, 0);
  SYNC("ready");
  ep_wait(ep, 8, 5000);
  int c = CALL_FD(accept(l, NULL, NULL));
  ep_wait(ep, 8, 0);
  CALL(close(c));
  CALL(close(ep));
  CALL(close(l));
}

COMPAT_CASE(dut, peer_client)
