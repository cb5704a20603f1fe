// The parent creates and binds a listener but never uses it; a child
// accepts and serves a connection after fork.
#include "compat.h"

static int l;

static void child(void *arg) {
  (void)arg;
  int c = accept_one(l);
  recv_show(c, 64);
  CALL(send(c, "served", 6, 0));
  CALL(close(c));
}

static void dut(void) {
  l = dut_listen(PORT);
  pid_t pid = fork_child(child, NULL);
  SYNC("ready");
  wait_child(pid);
  CALL(close(l));
}

static void peer(void) {
  SYNC("ready");
  int c = peer_connect(PORT);
  MUST(send(c, "req", 3, 0));
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
