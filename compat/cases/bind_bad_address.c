// bind errors: short length, wrong family, an address that is not ours.
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  CALL(bind(fd, SA_IN(DUT_IP, PORT), 8));
  struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
  CALL(bind(fd, (struct sockaddr *)&in6, sizeof in6));
  CALL(bind(fd, SA_IN("198.18.0.7", PORT), sizeof(struct sockaddr_in)));
  CALL(bind(fd, NULL, sizeof(struct sockaddr_in)));
  CALL(bind(fd, DUT_SA(PORT)));
  CALL(close(fd));
}

COMPAT_CASE(dut, NULL)
