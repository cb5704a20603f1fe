// A UNIX stream socket and a TCP socket in one set, woken in turn.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  int u[2];
  MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, u));
  name_fd(fd, "tcp");
  name_fd(u[0], "unix");
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, fd, EPOLLIN | EPOLLRDHUP);
  ep_add(ep, u[0], EPOLLIN | EPOLLRDHUP);
  MUST(write(u[1], "u", 1));
  ep_wait(ep, 8, 1000);
  SYNC_HELLO();
  ep_wait(ep, 8, 0);
  CALL(close(u[1]));
  ep_wait(ep, 8, 0);
  CALL(close(u[0]));
  CALL(close(ep));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello_fin)
