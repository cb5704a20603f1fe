// Non-blocking connect: EINPROGRESS, then writable with SO_ERROR 0.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = CALL_FD(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  CALL(connect(fd, PEER_SA(PORT)));
  say("revents %s", fmt_events(wait_ev(fd, POLLOUT)));
  get_error(fd);
  show_peer(fd);
  CALL(send(fd, "abc", 3, 0));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
