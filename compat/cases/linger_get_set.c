// SO_LINGER round-trips; a short option length is EINVAL.
#include "compat.h"

static void show_linger(int fd) {
  struct linger l;
  socklen_t len = sizeof l;
  CALL(getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &len));
  say("linger {%d, %d} len %u", l.l_onoff, l.l_linger, len);
}

static void dut(void) {
  int fd = tcp_socket();
  show_linger(fd);
  struct linger l = {.l_onoff = 1, .l_linger = 5};
  CALL(setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l));
  show_linger(fd);
  CALL(setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, 4));
  l = (struct linger){.l_onoff = 7, .l_linger = -1};
  CALL(setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l));
  show_linger(fd);
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
