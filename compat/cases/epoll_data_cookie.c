// epoll_data is returned as stored: a 64-bit cookie, not the fd.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  int ep = CALL_FD(epoll_create1(0));
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ull};
  CALL(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
  SYNC_HELLO();
  struct epoll_event out[2];
  CALL(epoll_wait(ep, out, 2, 1000));
  say("cookie %llx events %s", (unsigned long long)out[0].data.u64, fmt_events(out[0].events));
  CALL(close(ep));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
