// Four threads blocked in waits on percore sockets (1000 ms), SIGUSR1 (a
// handler, no SA_RESTART) sent by pthread_kill to chosen ones: only those
// return EINTR, at once; the others time out with 0. Rounds: epoll_wait on
// a set each, poll, epoll_wait all on one shared set, select. Results are
// collected and printed after the joins, in thread order.
#include "compat.h"

enum { N = 4, TIMEOUT_MS = 1000 };
enum wait_kind { EPOLL_OWN, POLL, EPOLL_SHARED, SELECT };
static const char *kind_name[] = {"epoll_wait, a set each", "poll", "epoll_wait, one shared set",
                                  "select"};

static __thread int hits_here;
static void on_usr1(int sig) {
  (void)sig;
  hits_here++;
}

static int socks[N], own_ep[N], shared_ep;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int waiting;

struct result {
  enum wait_kind kind;
  int index;
  long r;
  int err;
  long elapsed;
  int hits;
};
static struct result results[N];

static void *waiter(void *arg) {
  struct result *res = arg;
  int i = res->index;
  hits_here = 0;
  pthread_mutex_lock(&mu);
  waiting++;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  long t0 = now_ms();
  errno = 0;
  long r;
  struct epoll_event ev[N];
  if (res->kind == EPOLL_OWN) {
    r = epoll_wait(own_ep[i], ev, N, TIMEOUT_MS);
  } else if (res->kind == EPOLL_SHARED) {
    r = epoll_wait(shared_ep, ev, N, TIMEOUT_MS);
  } else if (res->kind == POLL) {
    struct pollfd p = {.fd = socks[i], .events = POLLIN};
    r = poll(&p, 1, TIMEOUT_MS);
  } else {
    fd_set s;
    FD_ZERO(&s);
    FD_SET(socks[i], &s);
    struct timeval tv = {.tv_sec = TIMEOUT_MS / 1000};
    r = select(socks[i] + 1, &s, NULL, NULL, &tv);
  }
  res->err = errno;
  res->r = r;
  res->elapsed = now_ms() - t0;
  res->hits = hits_here;
  return NULL;
}

// One round: N waiters of `kind`; once all are about to wait (and 100 ms
// more, so they are blocked), SIGUSR1 to each thread whose bit is in mask.
static void round_of(enum wait_kind kind, unsigned mask) {
  say("-- %s, SIGUSR1 to threads%s%s%s%s", kind_name[kind], mask & 1 ? " 0" : "",
      mask & 2 ? " 1" : "", mask & 4 ? " 2" : "", mask & 8 ? " 3" : "");
  pthread_t t[N];
  waiting = 0;
  for (int i = 0; i < N; i++) {
    results[i] = (struct result){.kind = kind, .index = i};
    t[i] = start_thread(waiter, &results[i]);
  }
  pthread_mutex_lock(&mu);
  while (waiting < N) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  sleep_ms(100);
  for (int i = 0; i < N; i++)
    if (mask & (1u << i)) {
      int r = pthread_kill(t[i], SIGUSR1);
      if (r != 0) say("pthread_kill: %s", errname(r));
    }
  for (int i = 0; i < N; i++) join_thread(t[i]);
  for (int i = 0; i < N; i++) {
    struct result *res = &results[i];
    char ret[48];
    if (res->r < 0)
      snprintf(ret, sizeof ret, "= -1 %s", errname(res->err));
    else
      snprintf(ret, sizeof ret, "= %ld", res->r);
    say("thread %d: %s, handler ran in it: %d, %s", i, ret, res->hits,
        res->elapsed >= TIMEOUT_MS ? "after the timeout" : "before the timeout");
  }
  SYNC("step");
}

static void dut(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  MUST(sigaction(SIGUSR1, &sa, NULL));
  SYNC("ready");
  shared_ep = (int)MUST(epoll_create1(0));
  for (int i = 0; i < N; i++) {
    socks[i] = dut_connect(PORT);
    own_ep[i] = (int)MUST(epoll_create1(0));
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = socks[i]};
    MUST(epoll_ctl(own_ep[i], EPOLL_CTL_ADD, socks[i], &ev));
    MUST(epoll_ctl(shared_ep, EPOLL_CTL_ADD, socks[i], &ev));
  }
  round_of(EPOLL_OWN, 1u << 2);
  round_of(POLL, 1u << 0 | 1u << 3);
  round_of(EPOLL_SHARED, 1u << 1);
  round_of(SELECT, 1u << 3);
  round_of(EPOLL_OWN, 0xf);
  for (int i = 0; i < N; i++) {
    MUST(close(own_ep[i]));
    MUST(close(socks[i]));
  }
  MUST(close(shared_ep));
}

static void peer(void) {
  int l = peer_listen(PORT);
  SYNC("ready");
  int c[N];
  for (int i = 0; i < N; i++) c[i] = accept_one(l);
  close(l);
  for (int i = 0; i < 5; i++) SYNC("step");
  for (int i = 0; i < N; i++) {
    recv_until_eof(c[i]);
    close(c[i]);
  }
}

COMPAT_CASE(dut, peer)
