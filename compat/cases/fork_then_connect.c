// A process that forks first and connects in the child.
#include "compat.h"

static void child(void *arg) {
  (void)arg;
  int fd = connect_to(PEER_IP, PORT);
  CALL(send(fd, "from child", 10, 0));
  CALL(close(fd));
}

static void dut(void) {
  SYNC("ready");
  wait_child(fork_child(child, NULL));
}

COMPAT_CASE(dut, peer_sink)
