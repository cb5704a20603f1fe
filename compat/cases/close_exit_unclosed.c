// A process that exits without closing its connection: the peer still gets
// the data and a FIN.
#include "compat.h"

static void child(void *arg) {
  (void)arg;
  int fd = connect_to(PEER_IP, PORT);
  MUST(send(fd, "from the dead", 13, 0));
}

static void dut(void) {
  SYNC("ready");
  wait_child(fork_child(child, NULL));
  SYNC("go");
}

COMPAT_CASE(dut, peer_sink_on_go)
