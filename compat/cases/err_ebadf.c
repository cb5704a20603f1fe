// Every socket call on a descriptor that is not open: EBADF.
#include "compat.h"

static void dut(void) {
  int fd = tcp_socket();
  MUST(close(fd));
  char buf[4];
  int v = 0;
  socklen_t len = sizeof v;
  struct sockaddr_in sin;
  socklen_t alen = sizeof sin;
  CALL(connect(fd, PEER_SA(PORT)));
  CALL(bind(fd, DUT_SA(0)));
  CALL(listen(fd, 1));
  CALL(accept(fd, NULL, NULL));
  CALL(accept4(-1, NULL, NULL, 0));
  CALL(send(fd, "x", 1, 0));
  CALL(recv(fd, buf, sizeof buf, 0));
  CALL(read(fd, buf, sizeof buf));
  CALL(write(fd, "x", 1));
  CALL(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len));
  CALL(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v));
  CALL(getsockname(fd, (struct sockaddr *)&sin, &alen));
  CALL(getpeername(fd, (struct sockaddr *)&sin, &alen));
  CALL(shutdown(fd, SHUT_RDWR));
  CALL(fcntl(fd, F_GETFL));
  CALL(ioctl(fd, FIONREAD, &v));
  CALL(dup(fd));
}

COMPAT_CASE(dut, NULL)
