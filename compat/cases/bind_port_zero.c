// bind to port 0 picks an ephemeral port; the peer sees the same port.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = tcp_socket();
  CALL(bind(fd, DUT_SA(0)));
  struct sockaddr_in a, b;
  socklen_t len = sizeof a;
  CALL(getsockname(fd, (struct sockaddr *)&a, &len));
  show_name(fd);
  CALL(connect(fd, PEER_SA(PORT)));
  CALL(getsockname(fd, (struct sockaddr *)&b, &len));
  say("port kept across connect: %d", a.sin_port == b.sin_port);
  ctl_put(ntohs(b.sin_port));
  CALL(close(fd));
}

static void peer(void) {
  int l = peer_listen(PORT);
  SYNC("ready");
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;
  int c = (int)MUST(accept(l, (struct sockaddr *)&sin, &len));
  say("peer sees the DUT's bound port: %d", ntohs(sin.sin_port) == ctl_get());
  recv_until_eof(c);
  close(c);
  close(l);
}

COMPAT_CASE(dut, peer)
