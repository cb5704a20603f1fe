// shutdown(SHUT_RD) of a listener wakes a thread blocked in accept (EINVAL).
#include "compat.h"

static int l;

static void *acceptor(void *arg) {
  (void)arg;
  errno = 0;
  int c = accept(l, NULL, NULL);
  say("accept in the thread = %d %s", c, c < 0 ? errname(errno) : "");
  return NULL;
}

static void dut(void) {
  l = dut_listen(PORT2);
  pthread_t t = start_thread(acceptor, NULL);
  sleep_ms(100);
  // The result is printed after the join: the woken thread prints first.
  long r = shutdown(l, SHUT_RD);
  join_thread(t);
  say("shutdown(l, SHUT_RD) = %ld", r);
  CALL(close(l));
}

COMPAT_CASE(dut, NULL)
