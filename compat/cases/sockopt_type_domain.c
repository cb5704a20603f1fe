// SO_TYPE, SO_DOMAIN, SO_PROTOCOL of TCP sockets, listening and accepted.
#include "compat.h"

static void show(int fd) {
  GETINT(fd, SOL_SOCKET, SO_TYPE);
  GETINT(fd, SOL_SOCKET, SO_DOMAIN);
  GETINT(fd, SOL_SOCKET, SO_PROTOCOL);
}

static void dut(void) {
  int fd = CALL_FD(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP));
  show(fd);
  int c = dut_accepted();
  show(c);
  CALL(close(c));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_client)
