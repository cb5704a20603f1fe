// epoll_ctl misuse: bad fds, a regular file, the epoll fd itself, bad op.
#include "compat.h"

static void dut(void) {
  int ep = CALL_FD(epoll_create1(0));
  int sock = tcp_socket();
  int file = (int)MUST(open("/etc/hostname", O_RDONLY));
  struct epoll_event ev = {.events = EPOLLIN};
  CALL(epoll_ctl(ep, EPOLL_CTL_ADD, -1, &ev));
  CALL(epoll_ctl(-1, EPOLL_CTL_ADD, sock, &ev));
  CALL(epoll_ctl(sock, EPOLL_CTL_ADD, sock, &ev));
  CALL(epoll_ctl(ep, EPOLL_CTL_ADD, file, &ev));
  CALL(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
  CALL(epoll_ctl(ep, 99, sock, &ev));
  CALL(epoll_ctl(ep, EPOLL_CTL_ADD, sock, NULL));
  CALL(epoll_ctl(ep, EPOLL_CTL_ADD, sock, bad_pointer()));
  CALL(epoll_ctl(ep, EPOLL_CTL_DEL, sock, NULL));
  CALL(epoll_ctl(ep, EPOLL_CTL_ADD, sock, &ev));
  CALL(epoll_ctl(ep, EPOLL_CTL_DEL, sock, NULL));
  CALL(close(file));
  CALL(close(sock));
  CALL(close(ep));
}

COMPAT_CASE(dut, NULL)
