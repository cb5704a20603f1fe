// MSG_MORE holds a small write back until a write without it.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(send(fd, "ab", 2, MSG_MORE));
  SYNC("held");
  SYNC("checked");
  CALL(send(fd, "cd", 2, 0));
  CALL(close(fd));
}

static void peer(void) {
  int l = peer_listen(PORT);
  SYNC("ready");
  int c = accept_one(l);
  SYNC("held");
  name_fd(c, "conn");
  poll_show(&(struct pollfd){.fd = c, .events = POLLIN}, 1, 100);
  SYNC("checked");
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
