// One level-triggered set over a TCP socket, a pipe, an eventfd, a timerfd,
// a signalfd and a UNIX socket, all made ready.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int sock = dut_connect(PORT);
  int p[2], u[2];
  MUST(pipe(p));
  MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, u));
  int ev = (int)MUST(eventfd(0, 0));
  int tf = (int)MUST(timerfd_create(CLOCK_MONOTONIC, 0));
  sigset_t ss;
  sigemptyset(&ss);
  sigaddset(&ss, SIGUSR1);
  MUST(sigprocmask(SIG_BLOCK, &ss, NULL));
  int sf = (int)MUST(signalfd(-1, &ss, 0));
  name_fd(sock, "tcp");
  name_fd(p[0], "pipe");
  name_fd(u[0], "unix");
  name_fd(ev, "eventfd");
  name_fd(tf, "timerfd");
  name_fd(sf, "signalfd");
  int ep = CALL_FD(epoll_create1(EPOLL_CLOEXEC));
  int fds[] = {sock, p[0], u[0], ev, tf, sf};
  for (int i = 0; i < 6; i++) ep_add(ep, fds[i], EPOLLIN);
  ep_wait(ep, 8, 0);
  SYNC_HELLO();
  MUST(write(p[1], "p", 1));
  MUST(write(u[1], "u", 1));
  MUST(eventfd_write(ev, 1));
  struct itimerspec its = {.it_value = {.tv_nsec = 1000000}};
  MUST(timerfd_settime(tf, 0, &its, NULL));
  MUST(kill(getpid(), SIGUSR1));
  sleep_ms(20);
  ep_wait(ep, 8, 0);
  ep_wait(ep, 8, 0);
  CALL(close(ep));
  recv_show(sock, 64);
  close(sock);
}

COMPAT_CASE(dut, peer_hello)
