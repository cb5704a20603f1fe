// Bad pointers: EFAULT from each call that copies user memory.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  void *bad = bad_pointer();
  int fd = tcp_socket();
  CALL(connect(fd, bad, sizeof(struct sockaddr_in)));
  CALL(bind(fd, bad, sizeof(struct sockaddr_in)));
  CALL(connect(fd, PEER_SA(PORT)));
  CALL(send(fd, bad, 10, MSG_NOSIGNAL));
  CALL(write(fd, bad, 10));
  socklen_t len = 16;
  CALL(getsockname(fd, bad, &len));
  CALL(getpeername(fd, bad, &len));
  CALL(getsockname(fd, (struct sockaddr *)&(struct sockaddr_in){0}, bad));
  CALL(ioctl(fd, FIONREAD, bad));
  CALL(send(fd, "ok", 2, 0));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
