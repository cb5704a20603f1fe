// A reset: poll reports POLLERR|POLLHUP even with no events asked.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  struct pollfd p = {.fd = fd, .events = 0};
  poll_show(&p, 1, 1000);
  p.events = POLLIN | POLLOUT | POLLRDHUP;
  poll_show(&p, 1, 0);
  get_error(fd);
  poll_show(&p, 1, 0);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_rst)
