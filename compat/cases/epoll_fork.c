// A child inherits the epoll fd and sees the same readiness.
#include "compat.h"

static int ep;

static void child(void *arg) {
  (void)arg;
  say("child:");
  ep_wait(ep, 8, 0);
}

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  ep = CALL_FD(epoll_create1(0));
  ep_add(ep, fd, EPOLLIN);
  SYNC_HELLO();
  wait_child(fork_child(child, NULL));
  say("parent:");
  ep_wait(ep, 8, 0);
  recv_show(fd, 64);
  wait_child(fork_child(child, NULL));
  CALL(close(ep));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
