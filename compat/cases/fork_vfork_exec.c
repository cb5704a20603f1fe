// vfork + exec with an open connection: the child runs a program, the
// parent's connection is untouched.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  pid_t pid = vfork();
  if (pid == 0) {
    execl("/bin/true", "true", (char *)NULL);
    _exit(127);
  }
  wait_child(pid);
  CALL(send(fd, "after vfork", 11, 0));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
