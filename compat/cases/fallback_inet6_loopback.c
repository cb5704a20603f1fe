// AF_INET6 stays on the kernel: TCP over ::1.
#include "compat.h"

static void dut(void) {
  struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(PORT),
                           .sin6_addr = IN6ADDR_LOOPBACK_INIT};
  int l = CALL_FD(socket(AF_INET6, SOCK_STREAM, 0));
  SETINT(l, SOL_SOCKET, SO_REUSEADDR, 1);
  if (CALL(bind(l, (struct sockaddr *)&a, sizeof a)) < 0) {
    close(l);
    return;
  }
  CALL(listen(l, 4));
  int c = CALL_FD(socket(AF_INET6, SOCK_STREAM, 0));
  CALL(connect(c, (struct sockaddr *)&a, sizeof a));
  int s = CALL_FD(accept(l, NULL, NULL));
  CALL(send(c, "six", 3, 0));
  recv_show(s, 64);
  GETINT(s, SOL_SOCKET, SO_DOMAIN);
  close(s);
  close(c);
  close(l);
}

COMPAT_CASE(dut, NULL)
