// After a refused non-blocking connect, the error is reported by the next
// call (recv), not by SO_ERROR afterwards.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  char buf[8];
  int fd = CALL_FD(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  CALL(connect(fd, PEER_SA(PORT_CLOSED)));
  wait_ev(fd, POLLOUT);
  CALL(recv(fd, buf, sizeof buf, 0));
  get_error(fd);
  CALL(recv(fd, buf, sizeof buf, 0));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_none)
