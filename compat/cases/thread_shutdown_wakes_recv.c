// shutdown(SHUT_RDWR) from another thread wakes a blocked recv with 0.
#include "compat.h"

static int fd;

static void *reader(void *arg) {
  (void)arg;
  char buf[16];
  long t = now_ms();
  long r = recv(fd, buf, sizeof buf, 0);
  say("recv in the thread returned %ld", r);
  say("woken early: %d", now_ms() - t < 2000);
  return NULL;
}

static void dut(void) {
  SYNC("ready");
  fd = dut_connect(PORT);
  pthread_t t = start_thread(reader, NULL);
  sleep_ms(100);
  // The result is printed after the join: the woken thread prints first.
  long r = shutdown(fd, SHUT_RDWR);
  join_thread(t);
  say("shutdown(fd, SHUT_RDWR) = %ld", r);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
