// The names of a fresh socket: 0.0.0.0:0, and ENOTCONN for the peer.
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  show_name(fd);
  show_peer(fd);
  socklen_t len = 2;
  struct sockaddr_in sin;
  CALL(getsockname(fd, (struct sockaddr *)&sin, &len));
  say("len now %u", len);
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
