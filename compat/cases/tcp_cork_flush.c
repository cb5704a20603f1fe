// TCP_CORK holds small writes; clearing it sends them at once.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  SETINT(fd, IPPROTO_TCP, TCP_CORK, 1);
  GETINT(fd, IPPROTO_TCP, TCP_CORK);
  CALL(send(fd, "ab", 2, 0));
  CALL(send(fd, "cd", 2, 0));
  SYNC("held");
  SYNC("checked");
  SETINT(fd, IPPROTO_TCP, TCP_CORK, 0);
  SYNC("flushed");
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
  poll_show(&(struct pollfd){.fd = c, .events = POLLIN}, 1, 1000);
  recv_show(c, 64);
  SYNC("flushed");
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
