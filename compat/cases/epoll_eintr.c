// A signal interrupts epoll_wait with EINTR, even with SA_RESTART.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, fd, EPOLLIN);
  on_signal(SIGALRM, false);
  alarm_ms(100);
  ep_wait(ep, 8, -1);
  on_signal(SIGALRM, true);
  alarm_ms(100);
  ep_wait(ep, 8, 5000);
  say("SIGALRM count %d", signal_count(SIGALRM));
  CALL(close(ep));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
