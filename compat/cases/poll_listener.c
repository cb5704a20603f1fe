// poll on a listener: IN when a connection waits; a fresh socket: OUT|HUP.
#include "compat.h"

static void dut(void) {
  int fresh = tcp_socket();
  name_fd(fresh, "fresh");
  poll_show(&(struct pollfd){.fd = fresh, .events = POLLIN | POLLOUT}, 1, 0);
  int l = dut_listen(PORT);
  name_fd(l, "listener");
  struct pollfd p = {.fd = l, .events = POLLIN | POLLOUT};
  poll_show(&p, 1, 0);
  SYNC("ready");
  poll_show(&p, 1, 5000);
  int c = CALL_FD(accept(l, NULL, NULL));
  poll_show(&p, 1, 0);
  CALL(close(c));
  CALL(close(l));
  CALL(close(fresh));
}

COMPAT_CASE(dut, peer_client)
