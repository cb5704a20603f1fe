// dup3 with O_CLOEXEC; dup3 to itself is EINVAL; dup does not copy CLOEXEC.
#include "compat.h"

static void dut(void) {
  int fd = CALL_FD(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  show_flags(fd);
  CALL(dup3(fd, 102, O_CLOEXEC));
  show_flags(102);
  CALL(dup3(fd, 103, 0));
  show_flags(103);
  CALL(dup3(fd, fd, 0));
  CALL(dup3(fd, 104, O_NONBLOCK));
  int d = CALL_FD(dup(fd));
  show_flags(d);
  close(d);
  close(102);
  close(103);
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
