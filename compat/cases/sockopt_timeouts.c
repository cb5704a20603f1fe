// SO_RCVTIMEO/SO_SNDTIMEO round trips; a bad timeval is EDOM.
#include "compat.h"

static void show_tv(int fd, int opt, const char *name) {
  struct timeval tv;
  socklen_t len = sizeof tv;
  CALL(getsockopt(fd, SOL_SOCKET, opt, &tv, &len));
  say("%s %ld.%06ld", name, (long)tv.tv_sec, (long)tv.tv_usec);
}

static void dut(void) {
  int fd = tcp_socket();
  show_tv(fd, SO_RCVTIMEO, "rcvtimeo");
  struct timeval tv = {.tv_sec = 1, .tv_usec = 500000};
  CALL(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  CALL(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
  show_tv(fd, SO_RCVTIMEO, "rcvtimeo");
  show_tv(fd, SO_SNDTIMEO, "sndtimeo");
  tv.tv_usec = 2000000;
  CALL(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  CALL(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, 4));
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
