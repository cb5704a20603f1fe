// Edge-triggered EPOLLOUT: reported once when added, again only after the
// send buffer filled and drained.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  set_nonblock(fd, true);
  name_fd(fd, "sock");
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, fd, EPOLLOUT | EPOLLET);
  ep_wait(ep, 8, 0);
  ep_wait(ep, 8, 0);
  static char buf[65536];
  long total = 0, r;
  while ((r = send(fd, buf, sizeof buf, 0)) > 0) total += r;
  say("filled: %s", errname(errno));
  ep_wait(ep, 8, 0);
  ctl_put(total);
  ep_wait(ep, 8, 5000);
  CALL(close(fd));
  CALL(close(ep));
}

static void peer(void) {
  int c = peer_accepted();
  recv_all(c, (size_t)ctl_get());
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
