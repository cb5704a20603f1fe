// Level-triggered: readable data is reported on every wait until read.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, fd, EPOLLIN);
  ep_wait(ep, 8, 0);
  SYNC_HELLO();
  ep_wait(ep, 8, 0);
  ep_wait(ep, 8, 0);
  char buf[2];
  CALL_DATA(recv(fd, buf, 2, 0), buf);
  ep_wait(ep, 8, 0);
  char rest[8];
  CALL_DATA(recv(fd, rest, sizeof rest, 0), rest);
  ep_wait(ep, 8, 0);
  CALL(close(fd));
  CALL(close(ep));
}

COMPAT_CASE(dut, peer_hello)
