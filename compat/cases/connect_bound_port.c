// bind to a fixed local port, then connect: the peer sees that port. The
// connection ends with a reset so no TIME-WAIT holds the port.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = tcp_socket();
  SETINT(fd, SOL_SOCKET, SO_REUSEADDR, 1);
  CALL(bind(fd, DUT_SA(PORT3)));
  show_name(fd);
  CALL(connect(fd, PEER_SA(PORT)));
  show_name(fd);
  show_peer(fd);
  SYNC("seen");
  rst_close(fd);
}

static void peer(void) {
  int l = peer_listen(PORT);
  SYNC("ready");
  int c = accept_one(l);
  show_peer(c);
  SYNC("seen");
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
