// A new socket takes the lowest free descriptor number, as open() would.
#include "compat.h"

static int lowest_free(void) {
  int fd = 0;
  while (fcntl(fd, F_GETFD) >= 0) fd++;
  return fd;
}

static void dut(void) {
  int want = lowest_free();
  int a = tcp_socket();
  say("socket took the lowest free number: %d", a == want);
  int b = tcp_socket();
  say("the next one is one above: %d", b == a + 1);
  MUST(close(a));
  int c = tcp_socket();
  say("a closed number is reused: %d", c == a);
  int p[2];
  MUST(pipe(p));
  say("a pipe takes the next numbers: %d %d", p[0] == b + 1, p[1] == b + 2);
  MUST(close(b));
  int e = CALL_FD(epoll_create1(0));
  say("epoll fd took the freed number: %d", e == b);
  close(c);
  close(e);
  close(p[0]);
  close(p[1]);
}

COMPAT_CASE(dut, NULL)
