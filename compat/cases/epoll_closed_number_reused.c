// A kernel fd closed while registered (no EPOLL_CTL_DEL): Linux drops the
// registration with the file, so a new file at the same number can be
// added and reports under its own data, beside a percore socket.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int sock = dut_connect(PORT);
  name_fd(sock, "tcp");
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, sock, EPOLLIN);
  int p[2], q[2];
  MUST(pipe(p));
  name_fd(p[0], "old-pipe");
  ep_add(ep, p[0], EPOLLIN);
  MUST(write(p[1], "x", 1));
  CALL(close(p[0]));
  CALL(close(p[1]));
  MUST(pipe(q));
  say("the new pipe has the old number: %s", q[0] == p[0] ? "yes" : "no");
  name_fd(q[0], "new-pipe");
  ep_add(ep, q[0], EPOLLIN | EPOLLET);
  MUST(write(q[1], "y", 1));
  SYNC_HELLO();
  ep_wait(ep, 8, 1000);
  ep_wait(ep, 8, 0);
  ep_mod(ep, q[0], EPOLLIN);
  ep_wait(ep, 8, 0);
  ep_del(ep, q[0]);
  ep_wait(ep, 8, 0);
  CALL(close(ep));
  close(sock);
}

COMPAT_CASE(dut, peer_hello)
