// Socket calls on a pipe: ENOTSOCK; read and write still work on it.
#include "compat.h"

static void dut(void) {
  int p[2];
  MUST(pipe(p));
  char buf[4];
  int v = 0;
  socklen_t len = sizeof v;
  struct sockaddr_in sin;
  socklen_t alen = sizeof sin;
  CALL(connect(p[1], PEER_SA(PORT)));
  CALL(bind(p[1], DUT_SA(0)));
  CALL(listen(p[1], 1));
  CALL(accept(p[0], NULL, NULL));
  CALL(send(p[1], "x", 1, 0));
  CALL(recv(p[0], buf, sizeof buf, 0));
  CALL(getsockopt(p[0], SOL_SOCKET, SO_TYPE, &v, &len));
  CALL(setsockopt(p[0], SOL_SOCKET, SO_REUSEADDR, &v, sizeof v));
  CALL(getsockname(p[0], (struct sockaddr *)&sin, &alen));
  CALL(getpeername(p[0], (struct sockaddr *)&sin, &alen));
  CALL(shutdown(p[0], SHUT_RDWR));
  CALL(write(p[1], "x", 1));
  CALL_DATA(read(p[0], buf, sizeof buf), buf);
  CALL(close(p[0]));
  CALL(close(p[1]));
}

COMPAT_CASE(dut, NULL)
