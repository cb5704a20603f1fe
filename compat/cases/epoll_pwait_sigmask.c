// epoll_pwait unblocks a signal only while it waits: EINTR there, and the
// signal stays blocked outside.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, fd, EPOLLIN);
  sigset_t none;
  pend_signal(SIGUSR1, &none);
  say("pending, count %d", signal_count(SIGUSR1));
  struct epoll_event ev[4];
  CALL(epoll_pwait(ep, ev, 4, 1000, &none));
  say("count %d", signal_count(SIGUSR1));
  CALL(epoll_pwait(ep, ev, 4, 0, &none));
  CALL(close(ep));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
