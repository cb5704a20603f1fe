// recvmsg with MSG_PEEK, then a plain recvmsg.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  char buf[16];
  struct iovec iov = {buf, sizeof buf};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  SYNC_HELLO();
  CALL_DATA(recvmsg(fd, &mh, MSG_PEEK), buf);
  CALL_DATA(recvmsg(fd, &mh, 0), buf);
  say("flags 0x%x", mh.msg_flags);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
