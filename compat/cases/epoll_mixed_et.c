// Edge-triggered over a TCP socket, a pipe and an eventfd: each reports
// once, and again after new input.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int sock = dut_connect(PORT);
  int p[2];
  MUST(pipe(p));
  int ev = (int)MUST(eventfd(0, EFD_NONBLOCK));
  name_fd(sock, "tcp");
  name_fd(p[0], "pipe");
  name_fd(ev, "eventfd");
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, sock, EPOLLIN | EPOLLET);
  ep_add(ep, p[0], EPOLLIN | EPOLLET);
  ep_add(ep, ev, EPOLLIN | EPOLLET);
  SYNC("sent");
  MUST(write(p[1], "p", 1));
  MUST(eventfd_write(ev, 1));
  ep_wait(ep, 8, 0);
  ep_wait(ep, 8, 0);
  MUST(write(p[1], "q", 1));
  ep_wait(ep, 8, 0);
  SYNC("again");
  SYNC("sent");
  ep_wait(ep, 8, 1000);
  CALL(close(ep));
  close(sock);
}

static void peer(void) {
  int c = peer_accepted();
  MUST(send(c, "one", 3, 0));
  wait_acked(c);
  SYNC("sent");
  SYNC("again");
  hello_then_sink(c, false);
}

COMPAT_CASE(dut, peer)
