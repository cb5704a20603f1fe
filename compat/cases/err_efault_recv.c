// recv into a bad pointer with data queued: EFAULT, and the data stays.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  SYNC_HELLO();
  CALL(recv(fd, bad_pointer(), 10, 0));
  CALL(read(fd, bad_pointer(), 10));
  show_fionread(fd);
  char buf[8];
  CALL_DATA(recv(fd, buf, sizeof buf, 0), buf);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
