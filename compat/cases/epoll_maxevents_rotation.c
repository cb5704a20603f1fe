// Four ready descriptors and maxevents 2: successive level-triggered waits
// take turns instead of reporting the same two.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int sock = dut_connect(PORT);
  int p[2], q[2];
  MUST(pipe(p));
  MUST(pipe(q));
  int ev = (int)MUST(eventfd(0, 0));
  name_fd(sock, "tcp");
  name_fd(p[0], "pipe1");
  name_fd(q[0], "pipe2");
  name_fd(ev, "eventfd");
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, sock, EPOLLIN);
  ep_add(ep, p[0], EPOLLIN);
  ep_add(ep, q[0], EPOLLIN);
  ep_add(ep, ev, EPOLLIN);
  SYNC_HELLO();
  MUST(write(p[1], "x", 1));
  MUST(write(q[1], "x", 1));
  MUST(eventfd_write(ev, 1));
  ep_wait(ep, 2, 0);
  ep_wait(ep, 2, 0);
  ep_wait(ep, 2, 0);
  ep_wait(ep, 8, 0);
  CALL(close(ep));
  close(sock);
}

COMPAT_CASE(dut, peer_hello)
