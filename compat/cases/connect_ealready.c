// A peer that drops the SYN keeps the connect pending: a second
// connect gives EALREADY, a poll for POLLOUT times out.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = CALL_FD(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  CALL(connect(fd, PEER_SA(PORT)));
  CALL(connect(fd, PEER_SA(PORT)));
  name_fd(fd, "sock");
  poll_show(&(struct pollfd){.fd = fd, .events = POLLOUT}, 1, 100);
  get_error(fd);
  show_peer(fd);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_blackhole)
