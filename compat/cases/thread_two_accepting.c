// Two threads blocked in accept on one listener: two connections, one each.
#include "compat.h"

static int l;

static void *acceptor(void *arg) {
  (void)arg;
  int c = accept(l, NULL, NULL);
  if (c >= 0) {
    char b;
    recv(c, &b, 1, MSG_WAITALL);
    send(c, "k", 1, 0);
    close(c);
  }
  say("a thread accepted: %d", c >= 0);
  return NULL;
}

static void dut(void) {
  l = dut_listen(PORT);
  pthread_t t[2] = {start_thread(acceptor, NULL), start_thread(acceptor, NULL)};
  sleep_ms(100);
  SYNC("ready");
  join_thread(t[0]);
  join_thread(t[1]);
  CALL(close(l));
}

static void peer(void) {
  SYNC("ready");
  for (int i = 0; i < 2; i++) {
    int c = peer_connect(PORT);
    MUST(send(c, "x", 1, 0));
    recv_until_eof(c);
    close(c);
  }
}

COMPAT_CASE(dut, peer)
