// FIONREAD follows the queued byte count; SIOCINQ is the same request.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  show_fionread(fd);
  SYNC_HELLO();
  show_fionread(fd);
  char buf[64];
  CALL_DATA(recv(fd, buf, 2, 0), buf);
  show_fionread(fd);
  int n = -1;
  CALL(ioctl(fd, SIOCINQ, &n));
  say("SIOCINQ %d", n);
  CALL_DATA(recv(fd, buf, sizeof buf, 0), buf);
  show_fionread(fd);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
