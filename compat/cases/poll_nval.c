// poll: a closed descriptor reports POLLNVAL, a negative one is ignored.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  int gone = tcp_socket();
  MUST(close(gone));
  name_fd(fd, "sock");
  name_fd(gone, "closed");
  struct pollfd p[3] = {{fd, POLLOUT, 0}, {gone, POLLIN, 0}, {-1, POLLIN, 0}};
  poll_show(p, 3, 0);
  say("negative fd revents %d", p[2].revents);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
