// A wait fails with EINTR only when a signal handler ran in the waiting
// thread. (a) SIGUSR1 (handler, no SA_RESTART) for another thread, by
// pthread_kill, while this one is in poll/epoll_wait/select (500 ms) on a
// percore socket: the wait times out with 0. (b) The same signal for this
// thread, 100 ms into the wait: EINTR at once. (c) A blocking recv on a
// percore connection signalled mid-wait: with SA_RESTART it restarts and
// returns the data the peer sends later; without, EINTR. (d) accept on a
// percore listener likewise. (e) poll/epoll_wait/select on only a pipe
// (300 ms), the stack running: 0, no EINTR. (f) SIGALRM from setitimer
// 250 ms into a 1 s wait on a percore socket: EINTR, well before 1 s.
#include "compat.h"

static __thread int hits_here;  // SIGUSR1 handlers run in this thread
static volatile sig_atomic_t hits_total;

static void on_usr1(int sig) {
  (void)sig;
  hits_here++;
  hits_total++;
}

static void usr1_handler(bool restart) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = restart ? SA_RESTART : 0;
  sigemptyset(&sa.sa_mask);
  MUST(sigaction(SIGUSR1, &sa, NULL));
}

static void reset_hits(void) {
  hits_here = 0;
  hits_total = 0;
}

static void say_hits(void) {
  say("  handler ran in this thread: %d, in all: %d", hits_here, (int)hits_total);
}

// A thread that sleeps `ms`, then sends SIGUSR1 to `target` (0: itself).
struct kill_later {
  pthread_t target;
  long ms;
};

static void *killer(void *arg) {
  struct kill_later *k = arg;
  sleep_ms(k->ms);
  int r = pthread_kill(k->target ? k->target : pthread_self(), SIGUSR1);
  if (r != 0) say("pthread_kill: %s", errname(r));
  return NULL;
}

static pthread_t kill_later(pthread_t target, long ms) {
  static struct kill_later k[4];
  static int next;
  struct kill_later *slot = &k[next++ & 3];
  *slot = (struct kill_later){target, ms};
  return start_thread(killer, slot);
}

static int sock, ep, pipe_rd, pipe_wr;

enum wait_kind { POLL, EPOLL, SELECT };
static const char *wait_name[] = {"poll", "epoll_wait", "select"};

// One wait of kind `k` on `fd` (POLLIN; `ep` holds it for EPOLL), logged.
static long wait_on(enum wait_kind k, int fd, int epfd, int ms) {
  errno = 0;
  long r;
  if (k == POLL) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    r = poll(&p, 1, ms);
  } else if (k == EPOLL) {
    struct epoll_event ev[4];
    r = epoll_wait(epfd, ev, 4, ms);
  } else {
    fd_set s;
    FD_ZERO(&s);
    FD_SET(fd, &s);
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    r = select(fd + 1, &s, NULL, NULL, &tv);
  }
  int err = errno;
  char what[64];
  snprintf(what, sizeof what, "%s(%d)", wait_name[k], ms);
  log_ret(what, r, err);
  return r;
}

static void dut(void) {
  int p[2];
  MUST(pipe(p));
  pipe_rd = p[0];
  pipe_wr = p[1];
  int pipe_ep = (int)MUST(epoll_create1(0));
  struct epoll_event pev = {.events = EPOLLIN, .data.fd = pipe_rd};
  MUST(epoll_ctl(pipe_ep, EPOLL_CTL_ADD, pipe_rd, &pev));
  int l = dut_listen(PORT2);
  SYNC("ready");
  sock = dut_connect(PORT);
  ep = (int)MUST(epoll_create1(0));
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = sock};
  MUST(epoll_ctl(ep, EPOLL_CTL_ADD, sock, &ev));
  pthread_t self = pthread_self();

  usr1_handler(false);
  say("-- (a) SIGUSR1 for another thread during a 500 ms wait");
  for (int k = POLL; k <= SELECT; k++) {
    reset_hits();
    pthread_t t = kill_later(0, 100);
    long t0 = now_ms();
    wait_on((enum wait_kind)k, sock, ep, 500);
    long d = now_ms() - t0;
    join_thread(t);
    say("  elapsed >= 500ms: %s", d >= 500 ? "yes" : "no");
    say_hits();
  }
  SYNC("step");

  say("-- (b) SIGUSR1 for this thread, 100 ms into a 2000 ms wait");
  for (int k = POLL; k <= SELECT; k++) {
    reset_hits();
    pthread_t t = kill_later(self, 100);
    long t0 = now_ms();
    wait_on((enum wait_kind)k, sock, ep, 2000);
    long d = now_ms() - t0;
    join_thread(t);
    say("  elapsed < 1000ms: %s", d < 1000 ? "yes" : "no");
    say_hits();
  }
  SYNC("step");

  char buf[16];
  say("-- (c) blocking recv, SIGUSR1 for this thread, the data comes later");
  usr1_handler(true);
  reset_hits();
  SYNC("go");
  pthread_t t = kill_later(self, 100);
  CALL_DATA(recv(sock, buf, sizeof buf, 0), buf);
  join_thread(t);
  say("  with SA_RESTART");
  say_hits();
  usr1_handler(false);
  reset_hits();
  SYNC("go");
  t = kill_later(self, 100);
  CALL_DATA(recv(sock, buf, sizeof buf, 0), buf);
  join_thread(t);
  say("  without SA_RESTART");
  say_hits();
  CALL_DATA(recv(sock, buf, sizeof buf, 0), buf);

  say("-- (d) blocking accept on a percore listener, the connection comes later");
  usr1_handler(true);
  reset_hits();
  SYNC("go");
  t = kill_later(self, 100);
  int c = CALL_FD(accept(l, NULL, NULL));
  join_thread(t);
  say("  with SA_RESTART");
  say_hits();
  if (c >= 0) CALL(close(c));
  usr1_handler(false);
  reset_hits();
  SYNC("go");
  t = kill_later(self, 100);
  c = CALL_FD(accept(l, NULL, NULL));
  join_thread(t);
  say("  without SA_RESTART");
  say_hits();
  if (c >= 0) CALL(close(c));
  c = CALL_FD(accept(l, NULL, NULL));
  if (c >= 0) CALL(close(c));
  SYNC("step");

  say("-- (e) a 300 ms wait on only a pipe, the stack running");
  for (int k = POLL; k <= SELECT; k++) {
    reset_hits();
    long t0 = now_ms();
    wait_on((enum wait_kind)k, pipe_rd, pipe_ep, 300);
    say("  elapsed >= 300ms: %s", now_ms() - t0 >= 300 ? "yes" : "no");
  }
  SYNC("step");

  say("-- (f) SIGALRM 250 ms into a 1000 ms wait on the percore socket");
  on_signal(SIGALRM, false);
  for (int k = POLL; k <= SELECT; k++) {
    int before = signal_count(SIGALRM);
    long t0 = now_ms();
    alarm_ms(250);
    wait_on((enum wait_kind)k, sock, ep, 1000);
    long d = now_ms() - t0;
    say("  elapsed >= 250ms: %s, < 1000ms: %s, SIGALRM handled: %d", d >= 250 ? "yes" : "no",
        d < 1000 ? "yes" : "no", signal_count(SIGALRM) - before);
  }
  CALL(close(l));
  CALL(close(ep));
  CALL(close(pipe_ep));
  CALL(close(sock));
  MUST(close(pipe_rd));
  MUST(close(pipe_wr));
}

static void peer(void) {
  int c = peer_accepted();
  SYNC("step");
  SYNC("step");
  for (int i = 0; i < 2; i++) {
    SYNC("go");
    sleep_ms(300);
    MUST(send(c, i ? "late2" : "late", i ? 5 : 4, 0));
  }
  int a[2];
  for (int i = 0; i < 2; i++) {
    SYNC("go");
    sleep_ms(300);
    a[i] = peer_connect(PORT2);
  }
  SYNC("step");
  SYNC("step");
  (void)a;
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
