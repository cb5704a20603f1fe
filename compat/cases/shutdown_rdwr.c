// SHUT_RDWR: the peer sees EOF; recv gives 0, send EPIPE. The socket keeps
// its peer until the peer's FIN ends the connection (Linux then leaves the
// application's socket CLOSE, with no peer).
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(shutdown(fd, SHUT_RDWR));
  char buf[8];
  CALL(recv(fd, buf, sizeof buf, 0));
  CALL(send(fd, "x", 1, MSG_NOSIGNAL));
  show_peer(fd);  // the peer has not closed yet: still connected
  SYNC("go");
  struct sockaddr_in sa;
  socklen_t len = sizeof sa;
  int waited_ms = 0;
  while (getpeername(fd, (struct sockaddr *)&sa, &len) == 0 && waited_ms < 3000) {
    sleep_ms(10);
    waited_ms += 10;
    len = sizeof sa;
  }
  say("after the peer's FIN: getpeername = %s", waited_ms < 3000 ? "-1 ENOTCONN" : "still 0");
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink_on_go)
