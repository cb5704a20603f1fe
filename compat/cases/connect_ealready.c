// A host that never answers ARP keeps the connect pending: a second
// connect gives EALREADY, a poll for POLLOUT times out.
#include "compat.h"

static void dut(void) {
  int fd = CALL_FD(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  CALL(connect(fd, SA_IN("198.18.0.99", PORT), sizeof(struct sockaddr_in)));
  CALL(connect(fd, SA_IN("198.18.0.99", PORT), sizeof(struct sockaddr_in)));
  name_fd(fd, "sock");
  poll_show(&(struct pollfd){.fd = fd, .events = POLLOUT}, 1, 100);
  get_error(fd);
  show_peer(fd);
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
