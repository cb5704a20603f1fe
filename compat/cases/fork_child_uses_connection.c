// A connected socket shared across fork: the child writes, exits; the
// parent writes after it; the peer sees EOF only after the parent closes.
#include "compat.h"

static int fd;

static void child(void *arg) {
  (void)arg;
  CALL(send(fd, "child ", 6, 0));
  CALL(close(fd));
}

static void dut(void) {
  SYNC("ready");
  fd = dut_connect(PORT);
  wait_child(fork_child(child, NULL));
  CALL(send(fd, "parent", 6, 0));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
