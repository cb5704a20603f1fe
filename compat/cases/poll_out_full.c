// POLLOUT goes away when the send buffer is full and returns on drain.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  set_nonblock(fd, true);
  name_fd(fd, "sock");
  struct pollfd p = {.fd = fd, .events = POLLOUT};
  long total = fill_send_buffer(fd);
  poll_show(&p, 1, 0);
  ctl_put(total);
  poll_show(&p, 1, 5000);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_drain_counted)
