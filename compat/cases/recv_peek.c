// MSG_PEEK leaves the data queued; a short peek, then a full read.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  SYNC_HELLO();
  char buf[64];
  CALL_DATA(recv(fd, buf, 3, MSG_PEEK), buf);
  CALL_DATA(recv(fd, buf, sizeof buf, MSG_PEEK), buf);
  show_fionread(fd);
  CALL_DATA(recv(fd, buf, 2, 0), buf);
  CALL_DATA(recv(fd, buf, sizeof buf, MSG_PEEK), buf);
  CALL_DATA(recv(fd, buf, sizeof buf, 0), buf);
  CALL(recv(fd, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
