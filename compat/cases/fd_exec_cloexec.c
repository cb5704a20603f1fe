// Across exec, a SOCK_CLOEXEC socket is closed and a plain one survives.
#include "compat.h"

static void dut(void) {
  int keep = tcp_socket(), gone = CALL_FD(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  MUST(dup2(keep, 110));
  MUST(dup2(gone, 111));
  MUST(fcntl(111, F_SETFD, FD_CLOEXEC));
  pid_t pid = (pid_t)MUST(fork());
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c",
          "test -e /proc/self/fd/110 && echo 110 open || echo 110 closed;"
          "test -e /proc/self/fd/111 && echo 111 open || echo 111 closed",
          (char *)NULL);
    _exit(127);
  }
  wait_child(pid);
  close(keep);
  close(gone);
  close(110);
  close(111);
}

COMPAT_CASE(dut, NULL)
