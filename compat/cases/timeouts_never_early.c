// No wait returns before its timeout: epoll_wait, epoll_pwait, epoll_pwait2,
// poll, ppoll, select and pselect (the p-calls with a NULL and with an
// empty signal mask) with a 50 ms timeout (50.5 ms where the call takes a
// timespec or timeval: a timeout rounded down to whole milliseconds ends
// early) on a set that stays idle return 0, each of 5 tries after at least
// its timeout of CLOCK_MONOTONIC (and within the suite's usual +500 ms). Here the set holds only a kernel fd (an idle
// pipe), while the process has a percore connection open;
// timeouts_never_early_sock is the same with that idle connection in the
// set instead.
#include "compat.h"

#ifndef WATCH_SOCKET
#define WATCH_SOCKET 0
#endif

enum { TRIES = 5, TIMEOUT_MS = 50, EXTRA_US = 500 };

static int watched, ep;
static sigset_t empty;

static long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static const struct timespec ts_timeout = {.tv_nsec = TIMEOUT_MS * 1000000L + EXTRA_US * 1000L};

static int call(int which) {
  struct epoll_event ev[4];
  struct pollfd p = {.fd = watched, .events = POLLIN};
  fd_set r;
  FD_ZERO(&r);
  FD_SET(watched, &r);
  struct timeval tv = {.tv_usec = TIMEOUT_MS * 1000 + EXTRA_US};
  struct timespec ts = ts_timeout;
  switch (which) {
  case 0: return epoll_wait(ep, ev, 4, TIMEOUT_MS);
  case 1: return epoll_pwait(ep, ev, 4, TIMEOUT_MS, NULL);
  case 2: return epoll_pwait(ep, ev, 4, TIMEOUT_MS, &empty);
  case 3: return epoll_pwait2(ep, ev, 4, &ts, NULL);
  case 4: return epoll_pwait2(ep, ev, 4, &ts, &empty);
  case 5: return poll(&p, 1, TIMEOUT_MS);
  case 6: return ppoll(&p, 1, &ts, NULL);
  case 7: return ppoll(&p, 1, &ts, &empty);
  case 8: return select(watched + 1, &r, NULL, NULL, &tv);
  case 9: return pselect(watched + 1, &r, NULL, NULL, &ts, NULL);
  default: return pselect(watched + 1, &r, NULL, NULL, &ts, &empty);
  }
}

// epoll_wait, epoll_pwait and poll take whole milliseconds.
static bool takes_ms(int which) { return which <= 2 || which == 5; }

static const char *names[] = {
    "epoll_wait(50)",          "epoll_pwait(50, NULL)",       "epoll_pwait(50, empty)",
    "epoll_pwait2({0,50.5ms}, NULL)", "epoll_pwait2({0,50.5ms}, empty)", "poll(50)",
    "ppoll({0,50.5ms}, NULL)",   "ppoll({0,50.5ms}, empty)",      "select({0,50500})",
    "pselect({0,50.5ms}, NULL)", "pselect({0,50.5ms}, empty)",
};

static void dut(void) {
  sigemptyset(&empty);
  SYNC("ready");
  int fd = dut_connect(PORT);
  int p[2];
  MUST(pipe(p));
  watched = WATCH_SOCKET ? fd : p[0];
  say("watching %s", WATCH_SOCKET ? "the idle percore socket" : "an idle pipe");
  ep = (int)MUST(epoll_create1(0));
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = watched};
  MUST(epoll_ctl(ep, EPOLL_CTL_ADD, watched, &ev));
  for (int which = 0; which < (int)(sizeof names / sizeof names[0]); which++) {
    bool all_zero = true, never_early = true, not_late = true;
    char odd[64] = "";
    for (int i = 0; i < TRIES; i++) {
      long t = now_ns();
      errno = 0;
      int r = call(which);
      int err = errno;
      long d = now_ns() - t;
      if (r != 0 && all_zero) {
        all_zero = false;
        if (r < 0)
          snprintf(odd, sizeof odd, " (try %d: = -1 %s)", i + 1, errname(err));
        else
          snprintf(odd, sizeof odd, " (try %d: = %d)", i + 1, r);
      }
      const long timeout_ns = TIMEOUT_MS * 1000000L + (takes_ms(which) ? 0 : EXTRA_US * 1000L);
      if (d < timeout_ns) never_early = false;
      if (d > (TIMEOUT_MS + 500) * 1000000L) not_late = false;
    }
    say("%s x%d: all = 0: %s%s, elapsed >= timeout: %s, within +500ms: %s", names[which], TRIES,
        all_zero ? "yes" : "no", odd, never_early ? "yes" : "no", not_late ? "yes" : "no");
    SYNC("step");
  }
  MUST(close(ep));
  MUST(close(p[0]));
  MUST(close(p[1]));
  CALL(close(fd));
}

static void peer(void) {
  int c = peer_accepted();
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) SYNC("step");
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
