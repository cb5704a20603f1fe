// Edge-triggered: one report per arrival, however little is read.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, fd, EPOLLIN | EPOLLET);
  SYNC("one");
  ep_wait(ep, 8, 1000);
  ep_wait(ep, 8, 0);
  char buf[2];
  CALL_DATA(recv(fd, buf, 2, 0), buf);
  ep_wait(ep, 8, 0);
  SYNC("more");
  ep_wait(ep, 8, 1000);
  ep_wait(ep, 8, 0);
  SYNC("two");
  CALL(close(fd));
  CALL(close(ep));
}

static void peer(void) {
  int c = peer_accepted();
  MUST(send(c, "abc", 3, 0));
  wait_acked(c);
  SYNC("one");
  SYNC("more");
  MUST(send(c, "def", 3, 0));
  wait_acked(c);
  SYNC("two");
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
