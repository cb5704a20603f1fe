// Keepalive probes on an idle connection to a live peer keep it open.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  SETINT(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
  SETINT(fd, IPPROTO_TCP, TCP_KEEPIDLE, 1);
  SETINT(fd, IPPROTO_TCP, TCP_KEEPINTVL, 1);
  SETINT(fd, IPPROTO_TCP, TCP_KEEPCNT, 1);
  sleep_ms(2500);
  show_tcp_info(fd);
  get_error(fd);
  CALL(send(fd, "alive", 5, 0));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
