// epoll_create and epoll_wait argument errors.
#include "compat.h"

static void dut(void) {
  struct epoll_event ev[2];
  CALL(epoll_create(0));
  CALL(epoll_create(-1));
  CALL(epoll_create1(12345));
  int ep = CALL_FD(epoll_create(1));
  int sock = tcp_socket();
  CALL(epoll_wait(ep, ev, 0, 0));
  volatile int negative = -1;  // hidden from the compiler's size check
  CALL(epoll_wait(ep, ev, negative, 0));
  CALL(epoll_wait(sock, ev, 2, 0));
  CALL(epoll_wait(-1, ev, 2, 0));
  CALL(close(sock));
  CALL(close(ep));
}

COMPAT_CASE(dut, NULL)
