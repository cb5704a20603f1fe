// A listener on INADDR_ANY takes connections from the peer and from
// 127.0.0.1 (a local health check).
#include "compat.h"

static void dut(void) {
  int l = listen_on("0.0.0.0", PORT, 8);
  int local = connect_to("127.0.0.1", PORT);
  int a = accept_one(l);
  show_name(a);
  CALL(close(a));
  CALL(close(local));
  SYNC("ready");
  int b = accept_one(l);
  show_name(b);
  CALL(close(b));
  CALL(close(l));
}

COMPAT_CASE(dut, peer_client)
