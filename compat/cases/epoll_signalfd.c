// A signalfd in an epoll set with a socket: a blocked signal makes it
// readable, and reading it returns the signal number.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  sigset_t ss;
  sigemptyset(&ss);
  sigaddset(&ss, SIGUSR2);
  MUST(sigprocmask(SIG_BLOCK, &ss, NULL));
  int sf = CALL_FD(signalfd(-1, &ss, SFD_NONBLOCK));
  name_fd(fd, "sock");
  name_fd(sf, "signalfd");
  int ep = CALL_FD(epoll_create1(0));
  ep_add(ep, fd, EPOLLIN);
  ep_add(ep, sf, EPOLLIN);
  ep_wait(ep, 8, 0);
  MUST(kill(getpid(), SIGUSR2));
  ep_wait(ep, 8, 1000);
  struct signalfd_siginfo si;
  CALL(read(sf, &si, sizeof si));
  say("signal %s", sigabbrev_np((int)si.ssi_signo));
  ep_wait(ep, 8, 0);
  CALL(close(ep));
  CALL(close(sf));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
