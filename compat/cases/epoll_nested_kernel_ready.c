// An outer epoll set watching an inner one that watches a kernel fd (a
// pipe, an AF_UNIX socketpair, a 127.0.0.1 TCP connection): a byte that
// comes after both sets are set up and after a first epoll_wait(outer, 0)
// found nothing makes epoll_wait(outer, 1500) return the inner set at once,
// whether it was written before the wait or by another thread while the
// wait is blocked; before and after the process has a percore connection.
// With EPOLLET on the outer registration: how often writes are reported.
// Each section ends at a SYNC, so a wait that misses its event shows up as
// a wrong line, not as the peer giving up.
#include "compat.h"

// `epoll_wait(outer, 1500) = 1 [inner:IN]`, with `elapsed < 1000ms: yes`
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

// The kernel fd pairs: rd is watched, wr makes it readable.
enum kind { PIPE, UNIX_PAIR, LOOPBACK_TCP };
static const char *kind_name[] = {"pipe", "unix", "tcp_lo"};

static void make_pair(enum kind k, int *rd, int *wr) {
  int p[2];
  if (k == PIPE) {
    MUST(pipe(p));
  } else if (k == UNIX_PAIR) {
    MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, p));
  } else {
    int l = (int)MUST(socket(AF_INET, SOCK_STREAM, 0));
    int one = 1;
    MUST(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    MUST(bind(l, LOOP_SA(PORT3)));
    MUST(listen(l, 4));
    p[1] = (int)MUST(socket(AF_INET, SOCK_STREAM, 0));
    MUST(connect(p[1], LOOP_SA(PORT3)));
    p[0] = (int)MUST(accept(l, NULL, NULL));
    MUST(close(l));
  }
  *rd = p[0];
  *wr = p[1];
  name_fd(*rd, kind_name[k]);
}

// Outer -> inner -> kernel fd; the byte comes before the blocking wait
// (`threaded` false) or from a thread 100 ms into it.
static void nested_kernel(enum kind k, bool threaded) {
  say("-- %s, %s", kind_name[k], threaded ? "written by a thread during the wait"
                                          : "written before the wait");
  int rd, wr;
  make_pair(k, &rd, &wr);
  int inner = epfd("inner"), outer = epfd("outer");
  add(inner, rd, EPOLLIN);
  add(outer, inner, EPOLLIN);
  wait_on(outer, 0);
  pthread_t t = 0;
  if (threaded)
    t = write_later(wr, 100);
  else
    MUST(write(wr, "x", 1));
  wait_on(outer, 1500);
  if (threaded) join_thread(t);
  wait_on(inner, 0);
  read_one(rd);
  wait_on(outer, 0);
  MUST(close(outer));
  MUST(close(inner));
  MUST(close(rd));
  MUST(close(wr));
  SYNC("step");
}

static void edge_triggered(void) {
  say("-- EPOLLET on the outer registration");
  int rd, wr;
  make_pair(PIPE, &rd, &wr);
  int inner = epfd("inner"), outer = epfd("outer");
  add(inner, rd, EPOLLIN);
  add(outer, inner, EPOLLIN | EPOLLET);
  wait_on(outer, 0);
  MUST(write(wr, "a", 1));
  wait_on(outer, 1000);
  wait_on(outer, 0);
  say("  a second write, the first byte still unread");
  MUST(write(wr, "b", 1));
  wait_on(outer, 1000);
  wait_on(outer, 0);
  SYNC("step");
  say("  a third write by a thread during the wait");
  pthread_t t = write_later(wr, 100);
  wait_on(outer, 1500);
  join_thread(t);
  wait_on(outer, 0);
  char buf[8];
  CALL(read(rd, buf, sizeof buf));
  wait_on(outer, 0);
  MUST(close(outer));
  MUST(close(inner));
  MUST(close(rd));
  MUST(close(wr));
  SYNC("step");
}

enum { STEPS = 6 + 2 + 2 };

static void dut(void) {
  for (int k = PIPE; k <= LOOPBACK_TCP; k++) {
    nested_kernel((enum kind)k, false);
    nested_kernel((enum kind)k, true);
  }
  say("-- with a percore connection open");
  SYNC("ready");
  int fd = dut_connect(PORT);
  nested_kernel(PIPE, false);
  nested_kernel(PIPE, true);
  edge_triggered();
  CALL(close(fd));
}

static void peer(void) {
  for (int i = 0; i < 6; i++) SYNC("step");
  int c = peer_accepted();
  for (int i = 6; i < STEPS; i++) SYNC("step");
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
