// POLLOUT goes away when the send buffer is full and returns on drain.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  set_nonblock(fd, true);
  name_fd(fd, "sock");
  struct pollfd p = {.fd = fd, .events = POLLOUT};
  static char buf[65536];
  long total = 0, r;
  while ((r = send(fd, buf, sizeof buf, 0)) > 0) total += r;
  poll_show(&p, 1, 0);
  ctl_put(total);
  poll_show(&p, 1, 5000);
  CALL(close(fd));
}

static void peer(void) {
  int c = peer_accepted();
  recv_all(c, (size_t)ctl_get());
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
