// ENOTCONN from calls that need a connection.
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  char buf[4];
  show_peer(fd);
  CALL(recv(fd, buf, sizeof buf, 0));
  CALL(recv(fd, buf, sizeof buf, MSG_DONTWAIT));
  CALL(shutdown(fd, SHUT_WR));
  CALL(bind(fd, DUT_SA(0)));
  show_peer(fd);
  CALL(recv(fd, buf, sizeof buf, 0));
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
