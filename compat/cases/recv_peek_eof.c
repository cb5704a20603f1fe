// MSG_PEEK at EOF returns 0, as does every later recv.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  SYNC_HELLO();
  char buf[64];
  CALL_DATA(recv(fd, buf, sizeof buf, MSG_PEEK), buf);
  CALL_DATA(recv(fd, buf, sizeof buf, 0), buf);
  CALL(recv(fd, buf, sizeof buf, MSG_PEEK));
  CALL(recv(fd, buf, sizeof buf, 0));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello_fin)
