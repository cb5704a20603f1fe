// epoll_pwait2 takes a timespec timeout; NULL waits for data.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, fd, EPOLLIN);
  struct epoll_event ev[4];
  struct timespec ts = {.tv_nsec = 150000000};
  long t = now_ms();
  CALL(epoll_pwait2(ep, ev, 4, &ts, NULL));
  say_elapsed(t, 150);
  SYNC("go");
  CALL(epoll_pwait2(ep, ev, 4, NULL, NULL));
  say("events %s", fmt_events(ev[0].events));
  CALL(close(ep));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_late)
