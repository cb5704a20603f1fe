// A blocking connect completes; the local and remote names follow each step.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = CALL_FD(socket(AF_INET, SOCK_STREAM, 0));
  show_name(fd);
  show_peer(fd);
  CALL(connect(fd, PEER_SA(PORT)));
  show_name(fd);
  show_peer(fd);
  show_tcp_info(fd);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
