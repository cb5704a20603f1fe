// poll() and select() on an epoll fd: blocked in poll(inner, 2000) or
// select, they return the inner set at once when a pipe in it becomes
// readable (a thread writes 100 ms into the wait); the same when the inner
// set also holds an idle percore socket, and when that socket is what
// becomes readable (the peer sends during the wait).
#include "compat.h"

// `epoll_wait(outer, 2000) = 1 [inner:IN]`, with `elapsed < 1000ms: yes`
// after a wait that could block.
static void wait_on(int ep, int timeout) {
  struct epoll_event evs[8];
  errno = 0;
  long t = now_ms();
  int r = epoll_wait(ep, evs, 8, timeout);
  int err = errno;
  long d = now_ms() - t;
  if (r < 0) {
    say("epoll_wait(%s, %d) = -1 %s", fd_name(ep), timeout, errname(err));
    return;
  }
  char line[300];
  int len = snprintf(line, sizeof line, "epoll_wait(%s, %d) = %d", fd_name(ep), timeout, r);
  for (int i = 0; i < r; i++)
    len += snprintf(line + len, sizeof line - (size_t)len, " [%s:%s]",
                    fd_name(evs[i].data.fd), fmt_events(evs[i].events));
  say("%s", line);
  if (timeout >= 1000) say("  elapsed < 1000ms: %s", d < 1000 ? "yes" : "no");
}

static void add(int ep, int fd, uint32_t events) {
  struct epoll_event ev = {.events = events, .data.fd = fd};
  errno = 0;
  int r = epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  int err = errno;
  char what[160];
  snprintf(what, sizeof what, "epoll_ctl(%s, ADD, %s, %s)", fd_name(ep), fd_name(fd),
           fmt_events(events));
  log_ret(what, r, err);
}

static int epfd(const char *name) {
  int ep = (int)MUST(epoll_create1(0));
  name_fd(ep, name);
  return ep;
}

// A thread that sleeps `ms`, then writes one byte to `fd`.
struct late_write {
  int fd;
  long ms;
};

static void *writer(void *arg) {
  struct late_write *w = arg;
  sleep_ms(w->ms);
  if (write(w->fd, "x", 1) != 1) say("late write failed: %s", errname(errno));
  return NULL;
}

static pthread_t write_later(int fd, long ms) {
  static struct late_write w[8];
  static int next;
  struct late_write *slot = &w[next++ & 7];
  *slot = (struct late_write){fd, ms};
  return start_thread(writer, slot);
}

static void read_one(int fd) {
  char c;
  if (read(fd, &c, 1) != 1) say("read failed: %s", errname(errno));
}

static void poll_inner(int inner, int wr) {
  struct pollfd p = {.fd = inner, .events = POLLIN};
  poll_show(&p, 1, 0);
  pthread_t t = write_later(wr, 100);
  long t0 = now_ms();
  poll_show(&p, 1, 2000);
  say("  elapsed < 1000ms: %s", now_ms() - t0 < 1000 ? "yes" : "no");
  join_thread(t);
}

static void select_inner(int inner, int wr) {
  fd_set r;
  FD_ZERO(&r);
  FD_SET(inner, &r);
  struct timeval tv = {0};
  CALL(select(inner + 1, &r, NULL, NULL, &tv));
  pthread_t t = write_later(wr, 100);
  FD_ZERO(&r);
  FD_SET(inner, &r);
  tv = (struct timeval){.tv_sec = 2};
  long t0 = now_ms();
  CALL(select(inner + 1, &r, NULL, NULL, &tv));
  say("  inner readable %d, elapsed < 1000ms: %s", FD_ISSET(inner, &r),
      now_ms() - t0 < 1000 ? "yes" : "no");
  join_thread(t);
}

static void dut(void) {
  int p[2];
  MUST(pipe(p));
  name_fd(p[0], "pipe");
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  int inner = epfd("inner");
  add(inner, p[0], EPOLLIN);
  say("-- poll on the inner set, a pipe");
  poll_inner(inner, p[1]);
  read_one(p[0]);
  struct pollfd pi = {.fd = inner, .events = POLLIN};
  poll_show(&pi, 1, 0);
  SYNC("step");
  say("-- select on the inner set, a pipe");
  select_inner(inner, p[1]);
  read_one(p[0]);
  SYNC("step");
  say("-- the inner set also holds an idle percore socket");
  add(inner, fd, EPOLLIN);
  poll_inner(inner, p[1]);
  read_one(p[0]);
  SYNC("step");
  select_inner(inner, p[1]);
  read_one(p[0]);
  SYNC("step");
  say("-- the percore socket becomes readable during the poll");
  poll_show(&pi, 1, 0);
  SYNC("go");
  long t0 = now_ms();
  poll_show(&pi, 1, 2000);
  say("  elapsed < 1000ms: %s", now_ms() - t0 < 1000 ? "yes" : "no");
  SYNC("sent");
  drain_nonblock(fd);
  poll_show(&pi, 1, 0);
  MUST(close(inner));
  MUST(close(p[0]));
  MUST(close(p[1]));
  CALL(close(fd));
}

static void peer(void) {
  int c = peer_accepted();
  for (int i = 0; i < 4; i++) SYNC("step");
  SYNC("go");
  sleep_ms(100);
  MUST(send(c, "hello", 5, 0));
  wait_acked(c);
  SYNC("sent");
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
