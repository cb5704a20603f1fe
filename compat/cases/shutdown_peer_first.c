// The peer half-closes first; we read to EOF, answer, and close.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  SYNC_HELLO();
  char buf[64];
  CALL_DATA(recv(fd, buf, sizeof buf, 0), buf);
  CALL(recv(fd, buf, sizeof buf, 0));
  show_tcp_info(fd);
  CALL(send(fd, "answer", 6, 0));
  CALL(shutdown(fd, SHUT_WR));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello_fin)
