// bind to INADDR_ANY:0, then connect: the local address becomes 198.18.0.2.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = tcp_socket();
  CALL(bind(fd, ANY_SA(0)));
  show_name(fd);
  CALL(connect(fd, PEER_SA(PORT)));
  show_name(fd);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
