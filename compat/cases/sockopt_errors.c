// Option errors: unknown option, short length, bad pointer, bad level.
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  int v = 1;
  socklen_t len = sizeof v;
  CALL(getsockopt(fd, SOL_SOCKET, 9999, &v, &len));
  CALL(setsockopt(fd, SOL_SOCKET, 9999, &v, sizeof v));
  CALL(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, 1));
  CALL(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, 0));
  CALL(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, bad_pointer(), sizeof v));
  CALL(getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, bad_pointer(), &len));
  CALL(getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, bad_pointer()));
  CALL(getsockopt(fd, IPPROTO_TCP, 9999, &v, &len));
  CALL(getsockopt(fd, 9999, 1, &v, &len));
  len = 1;
  CALL(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len));
  say("len %u", len);
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
