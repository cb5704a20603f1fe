// sendmmsg on TCP sends each message in turn.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  struct iovec iov[3] = {{"one ", 4}, {"two ", 4}, {"three", 5}};
  struct mmsghdr m[3];
  memset(m, 0, sizeof m);
  for (int i = 0; i < 3; i++) m[i].msg_hdr = (struct msghdr){.msg_iov = &iov[i], .msg_iovlen = 1};
  CALL(sendmmsg(fd, m, 3, 0));
  say("lengths %u %u %u", m[0].msg_len, m[1].msg_len, m[2].msg_len);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
