// send, write and sendto on a socket that never connected.
#include "compat.h"

static void dut(void) {
  on_signal(SIGPIPE, false);
  int fd = tcp_socket();
  CALL(send(fd, "a", 1, MSG_NOSIGNAL));
  CALL(write(fd, "a", 1));
  CALL(sendto(fd, "a", 1, MSG_NOSIGNAL, PEER_SA(PORT)));
  say("SIGPIPE count %d", signal_count(SIGPIPE));
  char buf[4];
  CALL(recv(fd, buf, sizeof buf, 0));
  CALL(read(fd, buf, sizeof buf));
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
