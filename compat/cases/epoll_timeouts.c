// epoll_wait timeouts: 0 returns at once, N waits N ms, -1 waits for data.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, fd, EPOLLIN);
  long t = now_ms();
  ep_wait(ep, 8, 0);
  say_elapsed(t, 0);
  t = now_ms();
  ep_wait(ep, 8, 200);
  say_elapsed(t, 200);
  SYNC("go");
  t = now_ms();
  ep_wait(ep, 8, -1);
  say_elapsed(t, 300);
  CALL(close(ep));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_late)
