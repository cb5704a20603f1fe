// Non-blocking connect to a closed port: EINPROGRESS, then POLLERR and
// SO_ERROR ECONNREFUSED once (reading SO_ERROR clears it).
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = CALL_FD(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  CALL(connect(fd, PEER_SA(PORT_CLOSED)));
  say("revents %s", fmt_events(wait_ev(fd, POLLOUT)));
  get_error(fd);
  get_error(fd);
  show_peer(fd);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_none)
