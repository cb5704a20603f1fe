// sendmsg with an iovec array and no name; recvmsg reads it back.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  struct iovec out[2] = {{"abc", 3}, {"def", 3}};
  struct msghdr mh = {.msg_iov = out, .msg_iovlen = 2};
  CALL(sendmsg(fd, &mh, 0));
  char x[4], y[2];
  struct iovec in[2] = {{x, sizeof x}, {y, sizeof y}};
  struct sockaddr_in name;
  struct msghdr rh = {.msg_name = &name, .msg_namelen = sizeof name, .msg_iov = in,
                      .msg_iovlen = 2};
  CALL(recvmsg(fd, &rh, MSG_WAITALL));
  say("x=%.4s y=%.2s namelen=%u flags=0x%x controllen=%zu", x, y, rh.msg_namelen,
      rh.msg_flags, rh.msg_controllen);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_echo)
