// A client that closes first holds its local port: binding it again fails
// without SO_REUSEADDR.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = tcp_socket();
  CALL(connect(fd, PEER_SA(PORT)));
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;
  MUST(getsockname(fd, (struct sockaddr *)&sin, &len));
  CALL(close(fd));
  SYNC("closed");
  int b = tcp_socket();
  CALL(bind(b, (struct sockaddr *)&sin, len));
  CALL(close(b));
}

static void peer(void) {
  peer_sink();
  SYNC("closed");
}

COMPAT_CASE(dut, peer)
