// TCP_INFO's state through a connection's life, seen from the client.
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  show_tcp_info(fd);
  SYNC("ready");
  CALL(connect(fd, PEER_SA(PORT)));
  show_tcp_info(fd);
  CALL(shutdown(fd, SHUT_WR));
  wait_acked(fd);
  show_tcp_info(fd);
  SYNC("eof");
  wait_ev(fd, POLLRDHUP);
  show_tcp_info(fd);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink_eof)
