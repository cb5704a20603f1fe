// A SIGPIPE handler runs once per failing write; writev and sendmsg too.
#include "compat.h"

static void dut(void) {
  on_signal(SIGPIPE, false);
  SYNC("ready");
  int fd = dut_connect(PORT);
  wait_ev(fd, POLLRDHUP);
  CALL(send(fd, "a", 1, 0));
  wait_rst(fd);
  CALL(send(fd, "b", 1, 0));
  struct iovec iov = {.iov_base = "c", .iov_len = 1};
  CALL(writev(fd, &iov, 1));
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  CALL(sendmsg(fd, &mh, 0));
  CALL(sendmsg(fd, &mh, MSG_NOSIGNAL));
  say("SIGPIPE count %d", signal_count(SIGPIPE));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_close)
