// memcached's model: the main thread accepts, a worker thread serves the
// connection.
#include "compat.h"

static void *serve(void *arg) {
  int c = (int)(long)arg;
  char buf[64];
  long n = CALL_DATA(recv(c, buf, 4, MSG_WAITALL), buf);
  CALL(send(c, buf, (size_t)n, 0));
  CALL(close(c));
  return NULL;
}

static void dut(void) {
  int c = dut_accepted();
  join_thread(start_thread(serve, (void *)(long)c));
}

static void peer(void) {
  SYNC("ready");
  int c = peer_connect(PORT);
  MUST(send(c, "work", 4, 0));
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
