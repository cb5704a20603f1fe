// ioctl(FIONBIO) switches O_NONBLOCK on and off.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  int on = 1;
  CALL(ioctl(fd, FIONBIO, &on));
  show_flags(fd);
  char buf[4];
  CALL(recv(fd, buf, sizeof buf, 0));
  on = 0;
  CALL(ioctl(fd, FIONBIO, &on));
  show_flags(fd);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
