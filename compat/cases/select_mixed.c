// select over a TCP socket, a pipe and an eventfd.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  int p[2];
  MUST(pipe(p));
  int ev = (int)MUST(eventfd(0, 0));
  int fds[3] = {fd, p[0], ev}, max = 0;
  for (int i = 0; i < 3; i++) max = fds[i] > max ? fds[i] : max;
  MUST(write(p[1], "x", 1));
  SYNC_HELLO();
  fd_set r;
  FD_ZERO(&r);
  for (int i = 0; i < 3; i++) FD_SET(fds[i], &r);
  struct timeval tv = {.tv_sec = 1};
  CALL(select(max + 1, &r, NULL, NULL, &tv));
  say("tcp %d pipe %d eventfd %d", FD_ISSET(fd, &r), FD_ISSET(p[0], &r), FD_ISSET(ev, &r));
  close(p[0]);
  close(p[1]);
  close(ev);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
