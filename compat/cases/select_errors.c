// select with a closed descriptor in a set: EBADF; negative nfds: EINVAL.
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  int gone = tcp_socket();
  MUST(close(gone));
  fd_set r;
  FD_ZERO(&r);
  FD_SET(gone, &r);
  struct timeval tv = {0};
  CALL(select(gone + 1, &r, NULL, NULL, &tv));
  CALL(select(-1, NULL, NULL, NULL, &tv));
  tv.tv_usec = -1;
  CALL(select(0, NULL, NULL, NULL, &tv));
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
