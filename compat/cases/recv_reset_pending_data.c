// Data that arrived before a reset.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  SYNC("sent");
  wait_rst(fd);
  char buf[64];
  CALL_DATA(recv(fd, buf, sizeof buf, 0), buf);
  CALL_DATA(recv(fd, buf, sizeof buf, 0), buf);
  CALL(recv(fd, buf, sizeof buf, 0));
  CALL(close(fd));
}

static void peer(void) {
  int l = peer_listen(PORT);
  SYNC("ready");
  int c = accept_one(l);
  MUST(send(c, "abc", 3, 0));
  wait_acked(c);
  rst_close(c);
  SYNC("sent");
}

COMPAT_CASE(dut, peer)
