// Built with _FORTIFY_SOURCE=2, glibc routes these calls through __read_chk,
// __recv_chk, __recvfrom_chk, __poll_chk and __ppoll_chk: they must behave
// like the plain ones.
#undef _FORTIFY_SOURCE
#define _FORTIFY_SOURCE 2
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  SYNC_HELLO();
  char buf[16];
  // Sizes the compiler cannot see make glibc call the checking variants.
  volatile size_t two = 2, one = 1, all = sizeof buf;
  volatile nfds_t n = 1;
  struct pollfd p = {.fd = fd, .events = POLLIN};
  CALL(poll(&p, n, 1000));
  CALL(ppoll(&p, n, &(struct timespec){.tv_sec = 1}, NULL));
  CALL_DATA(recv(fd, buf, two, 0), buf);
  CALL_DATA(recvfrom(fd, buf, one, 0, NULL, NULL), buf);
  CALL_DATA(read(fd, buf, all), buf);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
