// socket() with SOCK_NONBLOCK and SOCK_CLOEXEC.
#include "compat.h"

static void dut(void) {
  int a = CALL_FD(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  show_flags(a);
  int b = CALL_FD(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  show_flags(b);
  int c = CALL_FD(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  show_flags(c);
  CALL(fcntl(c, F_SETFL, O_RDONLY));
  show_flags(c);
  close(a);
  close(b);
  close(c);
}

COMPAT_CASE(dut, NULL)
