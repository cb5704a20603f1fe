// connect(AF_UNSPEC) dissolves an established connection (the peer sees a
// reset) and the socket can connect again.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = tcp_socket();
  CALL(connect(fd, PEER_SA(PORT)));
  struct sockaddr sa = {.sa_family = AF_UNSPEC};
  CALL(connect(fd, &sa, sizeof sa));
  show_peer(fd);
  SYNC("dissolved");
  CALL(connect(fd, PEER_SA(PORT)));
  show_peer(fd);
  CALL(close(fd));
}

static void peer(void) {
  int l = peer_listen(PORT);
  SYNC("ready");
  int c = accept_one(l);
  recv_until_eof(c);
  close(c);
  SYNC("dissolved");
  c = accept_one(l);
  recv_until_eof(c);
  close(c);
  close(l);
}

COMPAT_CASE(dut, peer)
