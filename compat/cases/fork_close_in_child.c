// The child closes its copy of a connection: the parent's stays open and
// the peer sees no EOF until the parent closes.
#include "compat.h"

static int fd;

static void child(void *arg) {
  (void)arg;
  close(fd);
}

static void dut(void) {
  SYNC("ready");
  fd = dut_connect(PORT);
  wait_child(fork_child(child, NULL));
  SYNC("checked");
  CALL(send(fd, "still here", 10, 0));
  CALL(close(fd));
}

static void peer(void) {
  int c = peer_accepted();
  name_fd(c, "conn");
  poll_show(&(struct pollfd){.fd = c, .events = POLLIN | POLLRDHUP}, 1, 200);
  SYNC("checked");
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
