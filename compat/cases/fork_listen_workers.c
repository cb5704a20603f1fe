// nginx's model: the parent listens, forks two workers that each accept one
// connection and serve it.
#include "compat.h"

static int l;

static void worker(void *arg) {
  (void)arg;
  int c = accept(l, NULL, NULL);
  char b;
  long r = recv(c, &b, 1, MSG_WAITALL);
  if (r == 1) send(c, "w", 1, 0);
  close(c);
  _exit(r == 1 ? 0 : 3);  // the exit status, not a line: workers race
}

static void dut(void) {
  l = dut_listen(PORT);
  pid_t a = fork_child(worker, NULL), b = fork_child(worker, NULL);
  SYNC("ready");
  wait_child(a);
  wait_child(b);
  CALL(close(l));
}

static void peer(void) {
  SYNC("ready");
  int c[2];
  for (int i = 0; i < 2; i++) {
    c[i] = peer_connect(PORT);
    MUST(send(c[i], "x", 1, 0));
  }
  for (int i = 0; i < 2; i++) {
    recv_until_eof(c[i]);
    close(c[i]);
  }
}

COMPAT_CASE(dut, peer)
