// TCP_INFO in CLOSE_WAIT (the peer closed) and on a listener.
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT2);
  show_tcp_info(l);
  CALL(close(l));
  SYNC("ready");
  int fd = dut_connect(PORT);
  wait_ev(fd, POLLRDHUP);
  show_tcp_info(fd);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_close)
