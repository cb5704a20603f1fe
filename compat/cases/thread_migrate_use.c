// A connection accepted on the main thread, read on a second thread and
// written again from the main thread.
#include "compat.h"

static int c;

static void *reader(void *arg) {
  (void)arg;
  char buf[16];
  CALL_DATA(recv(c, buf, 5, MSG_WAITALL), buf);
  return NULL;
}

static void dut(void) {
  c = dut_accepted();
  SYNC("go");
  join_thread(start_thread(reader, NULL));
  CALL(send(c, "back from main", 14, 0));
  SYNC("sent");
  CALL(close(c));
}

COMPAT_CASE(dut, peer_client_hello)
