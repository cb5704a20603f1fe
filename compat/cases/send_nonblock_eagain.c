// A non-blocking sender fills the buffers until EAGAIN (the peer does not
// read); the peer then reads exactly what was accepted. How much that is
// depends on the buffers and the peer's window (Linux 6.18 here took at most
// 128 KiB, earlier kernels more), so only the peer's count is compared.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  set_nonblock(fd, true);
  static char buf[65536];
  CALL_PART(send(fd, buf, sizeof buf, 0), (long)sizeof buf);
  long total = (long)sizeof buf + fill_send_buffer(fd);
  CALL(send(fd, buf, sizeof buf, 0));
  CALL(send(fd, buf, 1, 0));
  ctl_put(total);
  CALL(shutdown(fd, SHUT_WR));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_drain_counted)
