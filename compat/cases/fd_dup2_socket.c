// dup2 to a chosen number, and dup2 onto a descriptor that is open.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(dup2(fd, 100));
  CALL(send(100, "hundred ", 8, 0));
  CALL(dup2(fd, fd));
  int p[2];
  MUST(pipe(p));
  CALL(dup2(p[0], 100));
  CALL(send(100, "x", 1, MSG_NOSIGNAL));
  CALL(send(fd, "orig", 4, 0));
  CALL(dup2(fd, -1));
  CALL(dup2(-1, 101));
  CALL(close(fd));
  CALL(close(100));
  close(p[0]);
  close(p[1]);
}

COMPAT_CASE(dut, peer_sink)
