// After the peer's FIN every recv returns 0, blocking or not.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  SYNC_HELLO();
  char buf[64];
  CALL_DATA(recv(fd, buf, sizeof buf, 0), buf);
  CALL(recv(fd, buf, sizeof buf, 0));
  CALL(recv(fd, buf, sizeof buf, MSG_DONTWAIT));
  CALL(read(fd, buf, sizeof buf));
  show_tcp_info(fd);
  CALL(send(fd, "bye", 3, 0));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello_fin)
