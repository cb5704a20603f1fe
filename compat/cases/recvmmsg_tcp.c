// recvmmsg on TCP with MSG_DONTWAIT: the first message takes what is there.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  SYNC_HELLO();
  char a[8], b[8];
  struct iovec iov[2] = {{a, sizeof a}, {b, sizeof b}};
  struct mmsghdr m[2];
  memset(m, 0, sizeof m);
  for (int i = 0; i < 2; i++) m[i].msg_hdr = (struct msghdr){.msg_iov = &iov[i], .msg_iovlen = 1};
  CALL(recvmmsg(fd, m, 2, MSG_DONTWAIT, NULL));
  say("first %u bytes %.5s", m[0].msg_len, a);
  CALL(recvmmsg(fd, m, 2, MSG_DONTWAIT, NULL));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
