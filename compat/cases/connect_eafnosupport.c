// An address of another family on an AF_INET socket: EAFNOSUPPORT.
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  struct sockaddr_un un = {.sun_family = AF_UNIX, .sun_path = "/nonexistent"};
  CALL(connect(fd, (struct sockaddr *)&un, sizeof un));
  struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(PORT)};
  CALL(connect(fd, (struct sockaddr *)&in6, sizeof in6));
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
