// AF_UNIX stays on the kernel: socketpair and a named listener work.
#include "compat.h"

static void dut(void) {
  int sp[2];
  CALL(socketpair(AF_UNIX, SOCK_STREAM, 0, sp));
  CALL(send(sp[0], "pair", 4, 0));
  char buf[16];
  CALL_DATA(recv(sp[1], buf, sizeof buf, 0), buf);
  char path[64];
  snprintf(path, sizeof path, "/tmp/compat-unix-%d", getpid());
  struct sockaddr_un un = {.sun_family = AF_UNIX};
  strcpy(un.sun_path, path);
  int l = CALL_FD(socket(AF_UNIX, SOCK_STREAM, 0));
  CALL(bind(l, (struct sockaddr *)&un, sizeof un));
  CALL(listen(l, 4));
  int c = CALL_FD(socket(AF_UNIX, SOCK_STREAM, 0));
  CALL(connect(c, (struct sockaddr *)&un, sizeof un));
  int a = CALL_FD(accept(l, NULL, NULL));
  CALL(send(c, "named", 5, 0));
  CALL_DATA(recv(a, buf, sizeof buf, 0), buf);
  GETINT(a, SOL_SOCKET, SO_DOMAIN);
  unlink(path);
  close(a);
  close(c);
  close(l);
  close(sp[0]);
  close(sp[1]);
}

COMPAT_CASE(dut, NULL)
