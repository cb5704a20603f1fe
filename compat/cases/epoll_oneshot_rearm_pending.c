// Re-arming a one-shot registration while data is still queued reports it
// at once, also for edge-triggered.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, fd, EPOLLIN | EPOLLET | EPOLLONESHOT);
  SYNC_HELLO();
  ep_wait(ep, 8, 1000);
  ep_wait(ep, 8, 0);
  ep_mod(ep, fd, EPOLLIN | EPOLLET | EPOLLONESHOT);
  ep_wait(ep, 8, 0);
  CALL(close(ep));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
