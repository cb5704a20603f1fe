// A connection shared across fork stays open while either process holds
// it: the parent closes its copy at once, the child still reads what the
// peer sends and writes back; the peer sees EOF only when the child closes.
#include "compat.h"

static int fd;

static void child(void *arg) {
  (void)arg;
  SYNC_HELLO();
  recv_show(fd, 64);
  CALL(send(fd, "from the child", 14, 0));
  CALL(shutdown(fd, SHUT_WR));
  CALL(close(fd));
}

static void dut(void) {
  SYNC("ready");
  fd = dut_connect(PORT);
  pid_t pid = fork_child(child, NULL);
  CALL(close(fd));
  wait_child(pid);
}

COMPAT_CASE(dut, peer_hello)
