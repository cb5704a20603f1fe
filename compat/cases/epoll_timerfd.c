// A timerfd and an idle socket in one set: the timer fires after ~100 ms.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  int tf = CALL_FD(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
  name_fd(fd, "sock");
  name_fd(tf, "timerfd");
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, fd, EPOLLIN);
  ep_add(ep, tf, EPOLLIN);
  struct itimerspec its = {.it_value = {.tv_nsec = 100000000}};
  CALL(timerfd_settime(tf, 0, &its, NULL));
  long t = now_ms();
  ep_wait(ep, 8, 2000);
  say_elapsed(t, 100);
  uint64_t n;
  CALL(read(tf, &n, sizeof n));
  say("expirations %llu", (unsigned long long)n);
  CALL(close(ep));
  CALL(close(tf));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
