// A child sends, closes and exits before the peer reads: the kernel still
// delivers the data and the FIN after the process is gone.
#include "compat.h"

static void child(void *arg) {
  (void)arg;
  int fd = connect_to(PEER_IP, PORT);
  // More than the peer's receive window, so some is still unsent when the
  // child exits; no more than a send buffer holds (percore's is 256 KiB,
  // Linux's grows to 4 MiB), so send() returns without the peer reading.
  send_pattern(fd, 256 << 10);
  close(fd);
}

static void dut(void) {
  SYNC("ready");
  wait_child(fork_child(child, NULL));
  SYNC("go");
}

COMPAT_CASE(dut, peer_sink_on_go)
