// One thread closes a socket another is blocked on in recv: on Linux the
// recv is not woken by close and completes when data arrives.
#include "compat.h"

static int fd;

static void *reader(void *arg) {
  (void)arg;
  char buf[16];
  long r = recv(fd, buf, sizeof buf, 0);
  say("recv in the thread returned %ld", r);
  return NULL;
}

static void dut(void) {
  SYNC("ready");
  fd = dut_connect(PORT);
  pthread_t t = start_thread(reader, NULL);
  sleep_ms(100);
  CALL(close(fd));
  SYNC("go");
  SYNC("sent");
  join_thread(t);
}

COMPAT_CASE(dut, peer_hello)
