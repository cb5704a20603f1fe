// SO_SNDTIMEO bounds a blocking connect: EINPROGRESS after the timeout.
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  struct timeval tv = {.tv_usec = 200000};
  CALL(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
  long t = now_ms();
  CALL(connect(fd, SA_IN("198.18.0.99", PORT), sizeof(struct sockaddr_in)));
  say_elapsed(t, 200);
  CALL(connect(fd, SA_IN("198.18.0.99", PORT), sizeof(struct sockaddr_in)));
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
