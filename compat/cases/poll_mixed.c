// poll over a TCP socket, a pipe, an eventfd and a UNIX socket at once.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  int p[2], u[2];
  MUST(pipe(p));
  MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, u));
  int ev = (int)MUST(eventfd(0, 0));
  name_fd(fd, "tcp");
  name_fd(p[0], "pipe");
  name_fd(u[0], "unix");
  name_fd(ev, "eventfd");
  struct pollfd pf[4] = {{fd, POLLIN, 0}, {p[0], POLLIN, 0}, {u[0], POLLIN, 0}, {ev, POLLIN, 0}};
  poll_show(pf, 4, 0);
  MUST(write(p[1], "x", 1));
  poll_show(pf, 4, 0);
  SYNC_HELLO();
  MUST(write(u[1], "x", 1));
  MUST(eventfd_write(ev, 3));
  poll_show(pf, 4, 0);
  CALL(close(p[1]));
  drain_nonblock(fd);
  poll_show(pf, 4, 0);
  close(p[0]);
  close(u[0]);
  close(u[1]);
  close(ev);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
