// SO_RCVLOWAT 5: three bytes do not make the socket readable, five do.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  SETINT(fd, SOL_SOCKET, SO_RCVLOWAT, 5);
  GETINT(fd, SOL_SOCKET, SO_RCVLOWAT);
  SYNC("three");
  poll_show(&(struct pollfd){.fd = fd, .events = POLLIN}, 1, 100);
  SYNC("five");
  poll_show(&(struct pollfd){.fd = fd, .events = POLLIN}, 1, 1000);
  char buf[8];
  CALL_DATA(recv(fd, buf, sizeof buf, 0), buf);
  CALL(close(fd));
}

static void peer(void) {
  int c = peer_accepted();
  MUST(send(c, "abc", 3, 0));
  wait_acked(c);
  SYNC("three");
  SYNC("five");
  MUST(send(c, "de", 2, 0));
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
