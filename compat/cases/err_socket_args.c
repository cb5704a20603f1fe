// socket() argument errors.
#include "compat.h"

static void dut(void) {
  CALL(socket(12345, SOCK_STREAM, 0));
  CALL(socket(AF_INET, 999, 0));
  CALL(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
  CALL(socket(AF_INET, SOCK_STREAM, 12345));
  CALL(socket(AF_INET, SOCK_STREAM | 0x40000000, 0));
  int fd = CALL_FD(socket(AF_INET, SOCK_STREAM, IPPROTO_TCP));
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
