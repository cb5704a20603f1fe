#include "compat.h"

#include <stdarg.h>
#include <sys/syscall.h>
#include <sys/time.h>

static int ctl_fd = -1;  // the control channel, fd COMPAT_CTL_FD

// Raw syscalls: the transcript and the control channel must work whatever
// the interposer does with write/read/poll.
static void raw_write(int fd, const char *buf, size_t n) {
  while (n > 0) {
    // sendto with MSG_NOSIGNAL on the control socket: a role whose partner
    // died reports it at the next SYNC instead of dying of SIGPIPE.
    long w = fd == ctl_fd ? syscall(SYS_sendto, fd, buf, n, MSG_NOSIGNAL, NULL, 0)
                          : syscall(SYS_write, fd, buf, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    buf += w;
    n -= (size_t)w;
  }
}

static void vsay(const char *fmt, va_list ap) {
  char line[1024];
  int n = vsnprintf(line, sizeof line - 1, fmt, ap);
  if (n < 0) return;
  if ((size_t)n > sizeof line - 2) n = sizeof line - 2;
  line[n++] = '\n';
  raw_write(1, line, (size_t)n);
}

void say(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsay(fmt, ap);
  va_end(ap);
}

void fail(const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  say("FAILED: %s", line);
  _exit(2);
}

const char *errname(int err) {
  const char *n = strerrorname_np(err);
  return n ? n : "E?";
}

void *bad_pointer(void) { return (void *)8; }

// Rotating per-thread buffers so one say() can format several values.
static char *scratch(void) {
  static __thread char bufs[8][256];
  static __thread int next;
  return bufs[next++ & 7];
}

const char *fmt_addr(const struct sockaddr *sa) {
  char *out = scratch();
  if (sa->sa_family == AF_UNIX) {
    snprintf(out, 256, "unix:%s", ((const struct sockaddr_un *)sa)->sun_path);
    return out;
  }
  if (sa->sa_family != AF_INET) {
    snprintf(out, 256, "family %d", sa->sa_family);
    return out;
  }
  const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
  char ip[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
  int port = ntohs(in->sin_port);
  if (port == 0 || (port >= PORT && port <= PORT_CLOSED))
    snprintf(out, 256, "%s:%d", ip, port);
  else
    snprintf(out, 256, "%s:EPH", ip);
  return out;
}

const char *fmt_events(uint32_t ev) {
  static const struct { uint32_t bit; const char *name; } names[] = {
      {EPOLLIN, "IN"},         {EPOLLPRI, "PRI"},       {EPOLLOUT, "OUT"},
      {EPOLLERR, "ERR"},       {EPOLLHUP, "HUP"},       {POLLNVAL, "NVAL"},
      {EPOLLRDNORM, "RDNORM"}, {EPOLLRDBAND, "RDBAND"}, {EPOLLWRNORM, "WRNORM"},
      {EPOLLWRBAND, "WRBAND"}, {EPOLLMSG, "MSG"},       {EPOLLRDHUP, "RDHUP"},
      {EPOLLEXCLUSIVE, "EXCLUSIVE"}, {EPOLLWAKEUP, "WAKEUP"},
      {EPOLLONESHOT, "ONESHOT"}, {EPOLLET, "ET"},
  };
  char *out = scratch();
  out[0] = 0;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (!(ev & names[i].bit)) continue;
    if (out[0]) strcat(out, "|");
    strcat(out, names[i].name);
    ev &= ~names[i].bit;
  }
  if (ev) snprintf(out + strlen(out), 32, "%s0x%x", out[0] ? "|" : "", ev);
  if (!out[0]) strcpy(out, "0");
  return out;
}

const char *tcp_state_name(int state) {
  static const char *names[] = {"?",         "ESTABLISHED", "SYN_SENT",  "SYN_RECV",
                                "FIN_WAIT1", "FIN_WAIT2",   "TIME_WAIT", "CLOSE",
                                "CLOSE_WAIT", "LAST_ACK",   "LISTEN",    "CLOSING"};
  return state > 0 && state < 12 ? names[state] : "?";
}

long log_ret(const char *expr, long r, int err) {
  if (r < 0)
    say("%s = %ld %s", expr, r, errname(err));
  else
    say("%s = %ld", expr, r);
  return r;
}

long log_fd(const char *expr, long r, int err) {
  if (r < 0)
    say("%s = %ld %s", expr, r, errname(err));
  else
    say("%s = fd", expr);
  return r;
}

static uint32_t fnv(const unsigned char *p, size_t n, uint32_t h) {
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

static const char *fmt_bytes(const void *buf, long n) {
  char *out = scratch();
  const unsigned char *p = buf;
  if (n > 48) {
    snprintf(out, 256, "[%ld bytes fnv=%08x]", n, fnv(p, (size_t)n, 2166136261u));
    return out;
  }
  char *o = out;
  *o++ = '"';
  for (long i = 0; i < n; i++) {
    if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
      *o++ = (char)p[i];
    else
      o += sprintf(o, "\\x%02x", p[i]);
  }
  *o++ = '"';
  *o = 0;
  return out;
}

long log_data(const char *expr, long r, int err, const void *buf) {
  if (r <= 0) return log_ret(expr, r, err);
  say("%s = %ld %s", expr, r, fmt_bytes(buf, r));
  return r;
}

long log_part(const char *expr, long r, int err, long total) {
  if (r <= 0) return log_ret(expr, r, err);
  say("%s = %s", expr, r == total ? "all" : r < total ? "partial" : "more than asked");
  return r;
}

long get_int(const char *what, int fd, int level, int opt) {
  int v = 0;
  socklen_t len = sizeof v;
  errno = 0;
  int r = getsockopt(fd, level, opt, &v, &len);
  if (r < 0) {
    say("getsockopt(%s) = -1 %s", what, errname(errno));
    return -1;
  }
  say("getsockopt(%s) = 0 -> %d", what, v);
  return v;
}

long set_int(const char *what, int fd, int level, int opt, int v) {
  errno = 0;
  int r = setsockopt(fd, level, opt, &v, sizeof v);
  char text[160];
  snprintf(text, sizeof text, "setsockopt(%s)", what);
  return log_ret(text, r, errno) < 0 ? -1 : 0;
}

long get_error(int fd) {
  int v = 0;
  socklen_t len = sizeof v;
  errno = 0;
  int r = getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len);
  if (r < 0) {
    say("getsockopt(SO_ERROR) = -1 %s", errname(errno));
    return -1;
  }
  say("getsockopt(SO_ERROR) = 0 -> %s", v ? errname(v) : "0");
  return v;
}

static void show_sockaddr(const char *call, int fd,
                          int (*fn)(int, struct sockaddr *, socklen_t *)) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  memset(&ss, 0, sizeof ss);
  errno = 0;
  if (fn(fd, (struct sockaddr *)&ss, &len) < 0)
    say("%s = -1 %s", call, errname(errno));
  else
    say("%s = 0 %s", call, fmt_addr((struct sockaddr *)&ss));
}

void show_name(int fd) { show_sockaddr("getsockname", fd, getsockname); }
void show_peer(int fd) { show_sockaddr("getpeername", fd, getpeername); }

void show_tcp_info(int fd) {
  struct tcp_info ti;
  socklen_t len = sizeof ti;
  memset(&ti, 0, sizeof ti);
  errno = 0;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0) {
    say("getsockopt(TCP_INFO) = -1 %s", errname(errno));
    return;
  }
  say("getsockopt(TCP_INFO) = 0 state=%s ts=%d sack=%d wscale=%d unacked=%u "
      "retransmits=%u",
      tcp_state_name(ti.tcpi_state), !!(ti.tcpi_options & TCPI_OPT_TIMESTAMPS),
      !!(ti.tcpi_options & TCPI_OPT_SACK), !!(ti.tcpi_options & TCPI_OPT_WSCALE),
      ti.tcpi_unacked, ti.tcpi_retransmits);
}

void show_fionread(int fd) {
  int n = -1;
  errno = 0;
  int r = ioctl(fd, FIONREAD, &n);
  if (r < 0)
    say("ioctl(FIONREAD) = -1 %s", errname(errno));
  else
    say("ioctl(FIONREAD) = 0 -> %d", n);
}

void show_flags(int fd) {
  errno = 0;
  int fl = fcntl(fd, F_GETFL);
  int fdfl = fcntl(fd, F_GETFD);
  if (fl < 0 || fdfl < 0) {
    say("fcntl(F_GETFL/F_GETFD) = -1 %s", errname(errno));
    return;
  }
  say("flags: O_NONBLOCK=%d O_RDWR=%d FD_CLOEXEC=%d", !!(fl & O_NONBLOCK),
      (fl & O_ACCMODE) == O_RDWR, !!(fdfl & FD_CLOEXEC));
}

// The control channel.
static pthread_mutex_t ctl_lock = PTHREAD_MUTEX_INITIALIZER;

static void ctl_line(char *out, size_t cap, const char *waiting_for) {
  size_t n = 0;
  for (;;) {
    struct pollfd p = {.fd = ctl_fd, .events = POLLIN};
    struct timespec ts = {.tv_sec = 5};
    long r = syscall(SYS_ppoll, &p, 1, &ts, NULL, 8);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) fail("timed out at SYNC %s (the other role never came)", waiting_for);
    char c;
    r = syscall(SYS_read, ctl_fd, &c, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) fail("the other role is gone at SYNC %s", waiting_for);
    if (c == '\n') break;
    if (n + 1 < cap) out[n++] = c;
  }
  out[n] = 0;
}

void SYNC(const char *tag) {
  if (ctl_fd < 0) fail("no control channel (run the case through compat/run)");
  pthread_mutex_lock(&ctl_lock);
  char msg[128], got[128];
  int n = snprintf(msg, sizeof msg, "S %s\n", tag);
  raw_write(ctl_fd, msg, (size_t)n);
  ctl_line(got, sizeof got, tag);
  pthread_mutex_unlock(&ctl_lock);
  msg[n - 1] = 0;
  if (strcmp(got, msg) != 0) fail("SYNC %s met '%s'", tag, got);
}

void ctl_put(long v) {
  char msg[64];
  int n = snprintf(msg, sizeof msg, "V %ld\n", v);
  raw_write(ctl_fd, msg, (size_t)n);
}

long ctl_get(void) {
  char got[64];
  ctl_line(got, sizeof got, "(value)");
  if (got[0] != 'V') fail("expected a value, got '%s'", got);
  return atol(got + 2);
}

// Connections.
int tcp_socket(void) { return (int)MUST(socket(AF_INET, SOCK_STREAM, 0)); }

int listen_on(const char *ip, int port, int backlog) {
  int fd = tcp_socket();
  int one = 1;
  MUST(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
  MUST(bind(fd, SA_IN(ip, port), sizeof(struct sockaddr_in)));
  MUST(listen(fd, backlog));
  say("listening on %s:%d", ip, port);
  return fd;
}

int dut_listen(int port) { return listen_on(DUT_IP, port, 16); }
int peer_listen(int port) { return listen_on(PEER_IP, port, 16); }

int connect_to(const char *ip, int port) {
  int fd = tcp_socket();
  errno = 0;
  if (connect(fd, SA_IN(ip, port), sizeof(struct sockaddr_in)) < 0)
    fail("connect to %s:%d: %s", ip, port, errname(errno));
  say("connected to %s:%d", ip, port);
  return fd;
}

int dut_connect(int port) { return connect_to(PEER_IP, port); }
int peer_connect(int port) { return connect_to(DUT_IP, port); }

int accept_one(int lfd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  int fd;
  do {
    errno = 0;
    fd = accept(lfd, (struct sockaddr *)&ss, &len);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) fail("accept: %s", errname(errno));
  say("accepted from %s", fmt_addr((struct sockaddr *)&ss));
  return fd;
}

void set_nonblock(int fd, bool on) {
  int fl = (int)MUST(fcntl(fd, F_GETFL));
  MUST(fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK));
}

void set_linger(int fd, int on, int secs) {
  struct linger l = {.l_onoff = on, .l_linger = secs};
  MUST(setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l));
}

void rst_close(int fd) {
  set_linger(fd, 1, 0);
  MUST(close(fd));
  say("reset");
}

short wait_ev(int fd, short events) {
  long deadline = now_ms() + 5000;
  for (;;) {
    struct pollfd p = {.fd = fd, .events = events};
    int left = (int)(deadline - now_ms());
    int r = poll(&p, 1, left > 0 ? left : 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) fail("poll while waiting: %s", errname(errno));
    if (r > 0) return p.revents;
    say("wait for %s: timed out", fmt_events((uint32_t)events));
    return 0;
  }
}

void wait_acked(int fd) {
  for (long deadline = now_ms() + 5000; now_ms() < deadline; sleep_ms(1)) {
    int outq = 0;
    if (ioctl(fd, SIOCOUTQ, &outq) < 0) fail("SIOCOUTQ: %s", errname(errno));
    if (outq == 0) return;
  }
  say("wait for ack: timed out");
}

void wait_state(int fd, int state) {
  struct tcp_info ti;
  for (long deadline = now_ms() + 5000; now_ms() < deadline; sleep_ms(1)) {
    socklen_t len = sizeof ti;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
      fail("TCP_INFO: %s", errname(errno));
    if (ti.tcpi_state == state) return;
  }
  say("wait for state %s: timed out", tcp_state_name(state));
}

void wait_rst(int fd) { wait_ev(fd, POLLERR); }

void fill_pattern(void *buf, size_t n, size_t offset) {
  unsigned char *p = buf;
  for (size_t i = 0; i < n; i++) p[i] = (unsigned char)((offset + i) * 7 + 1);
}

long send_all(int fd, const void *buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t w = send(fd, (const char *)buf + done, n - done, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) {
      wait_ev(fd, POLLOUT);
      continue;
    }
    if (w < 0) {
      say("send_all: %zu of %zu, then %s", done, n, errname(errno));
      return -1;
    }
    done += (size_t)w;
  }
  return (long)done;
}

long send_pattern(int fd, size_t n) {
  char *buf = malloc(n ? n : 1);
  fill_pattern(buf, n, 0);
  long r = send_all(fd, buf, n);
  free(buf);
  if (r >= 0) say("sent %zu bytes of pattern", n);
  return r;
}

static long check_stream(int fd, size_t want, bool to_eof, const char **how) {
  static __thread unsigned char buf[65536];
  unsigned char head[49];
  size_t got = 0;
  uint32_t h = 2166136261u;
  *how = "";
  while (to_eof || got < want) {
    size_t ask = sizeof buf;
    if (!to_eof && want - got < ask) ask = want - got;
    ssize_t r = recv(fd, buf, ask, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EAGAIN) {
      wait_ev(fd, POLLIN);
      continue;
    }
    if (r < 0) {
      *how = errname(errno);
      break;
    }
    if (r == 0) {
      *how = "EOF";
      break;
    }
    for (ssize_t i = 0; i < r && got + (size_t)i < sizeof head; i++) head[got + (size_t)i] = buf[i];
    h = fnv(buf, (size_t)r, h);
    got += (size_t)r;
  }
  if (got < sizeof head)
    say("received %s%s%s", fmt_bytes(head, (long)got), *how[0] ? ", then " : "", *how);
  else
    say("received [%zu bytes fnv=%08x]%s%s", got, h, *how[0] ? ", then " : "", *how);
  return (long)got;
}

long recv_all(int fd, size_t n) {
  const char *how;
  return check_stream(fd, n, false, &how);
}

long recv_until_eof(int fd) {
  const char *how;
  return check_stream(fd, 0, true, &how);
}

void recv_show(int fd, size_t max) {
  char buf[4096];
  if (max > sizeof buf) max = sizeof buf;
  errno = 0;
  ssize_t r = recv(fd, buf, max, 0);
  log_data("recv", r, errno, buf);
}

long drain_nonblock(int fd) {
  char buf[65536];
  long total = 0;
  for (;;) {
    ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (r <= 0) return total;
    total += r;
  }
}

long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void say_elapsed(long start_ms, long expect_ms) {
  long d = now_ms() - start_ms;
  if (d >= expect_ms - 5 && d <= expect_ms + 500)
    say("elapsed ~%ldms", expect_ms);
  else
    say("elapsed %ldms, expected ~%ldms", d, expect_ms);
}

static volatile sig_atomic_t sig_counts[65];

static void count_signal(int sig) { sig_counts[sig]++; }

void on_signal(int sig, bool restart) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = count_signal;
  sa.sa_flags = restart ? SA_RESTART : 0;
  sigemptyset(&sa.sa_mask);
  MUST(sigaction(sig, &sa, NULL));
}

int signal_count(int sig) { return sig_counts[sig]; }

void alarm_ms(long ms) {
  struct itimerval it = {.it_value = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000}};
  MUST(setitimer(ITIMER_REAL, &it, NULL));
}

pid_t fork_child(void (*fn)(void *), void *arg) {
  pid_t pid = (pid_t)MUST(fork());
  if (pid == 0) {
    fn(arg);
    _exit(0);
  }
  return pid;
}

void wait_child(pid_t pid) {
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) fail("waitpid: %s", errname(errno));
  if (WIFEXITED(st))
    say("child exited %d", WEXITSTATUS(st));
  else if (WIFSIGNALED(st))
    say("child killed by %s", sigabbrev_np(WTERMSIG(st)));
}

pthread_t start_thread(void *(*fn)(void *), void *arg) {
  pthread_t t;
  int r = pthread_create(&t, NULL, fn, arg);
  if (r != 0) fail("pthread_create: %s", errname(r));
  return t;
}

void join_thread(pthread_t t) {
  int r = pthread_join(t, NULL);
  if (r != 0) fail("pthread_join: %s", errname(r));
}

void sleep_ms(long ms) {
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

static const char *fd_names[1024];

void name_fd(int fd, const char *name) {
  if (fd >= 0 && fd < 1024) fd_names[fd] = name;
}

const char *fd_name(int fd) {
  if (fd >= 0 && fd < 1024 && fd_names[fd]) return fd_names[fd];
  char *out = scratch();
  snprintf(out, 256, "fd?");
  return out;
}

static void ep_ctl(int ep, int op, const char *opname, int fd, uint32_t events) {
  struct epoll_event ev = {.events = events, .data.fd = fd};
  errno = 0;
  int r = epoll_ctl(ep, op, fd, &ev);
  char what[160];
  if (op == EPOLL_CTL_DEL)
    snprintf(what, sizeof what, "epoll_ctl(%s, %s)", opname, fd_name(fd));
  else
    snprintf(what, sizeof what, "epoll_ctl(%s, %s, %s)", opname, fd_name(fd),
             fmt_events(events));
  log_ret(what, r, errno);
}

void ep_add(int ep, int fd, uint32_t events) { ep_ctl(ep, EPOLL_CTL_ADD, "ADD", fd, events); }
void ep_mod(int ep, int fd, uint32_t events) { ep_ctl(ep, EPOLL_CTL_MOD, "MOD", fd, events); }
void ep_del(int ep, int fd) { ep_ctl(ep, EPOLL_CTL_DEL, "DEL", fd, 0); }

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

// "[name:EVENTS]" items, sorted so that the order of readiness does not show.
static void say_items(const char *head, long r, int err, char **items, int n) {
  if (r < 0) {
    say("%s = %ld %s", head, r, errname(err));
    return;
  }
  qsort(items, (size_t)n, sizeof *items, cmp_str);
  char line[900];
  int len = snprintf(line, sizeof line, "%s = %ld", head, r);
  for (int i = 0; i < n && len < (int)sizeof line - 64; i++)
    len += snprintf(line + len, sizeof line - (size_t)len, " [%s]", items[i]);
  say("%s", line);
}

long ep_wait(int ep, int maxevents, int timeout) {
  struct epoll_event evs[64];
  int cap = maxevents > 64 ? 64 : maxevents;
  errno = 0;
  int r = epoll_wait(ep, evs, cap < 1 ? 1 : cap, timeout);
  int err = errno;
  char head[64];
  snprintf(head, sizeof head, "epoll_wait(%d, %d)", maxevents, timeout);
  char *items[64];
  for (int i = 0; i < r; i++) {
    items[i] = scratch();
    snprintf(items[i], 256, "%s:%s", fd_name(evs[i].data.fd), fmt_events(evs[i].events));
  }
  say_items(head, r, err, items, r > 0 ? r : 0);
  return r;
}

long poll_show(struct pollfd *p, int n, int timeout) {
  errno = 0;
  int r = poll(p, (nfds_t)n, timeout);
  int err = errno;
  char head[300];
  int len = snprintf(head, sizeof head, "poll(");
  for (int i = 0; i < n; i++)
    len += snprintf(head + len, sizeof head - (size_t)len, "%s%s:%s", i ? " " : "",
                    fd_name(p[i].fd), fmt_events((uint16_t)p[i].events));
  snprintf(head + len, sizeof head - (size_t)len, ", %d)", timeout);
  char *items[64];
  int k = 0;
  for (int i = 0; i < n && r > 0 && k < 64; i++) {
    if (!p[i].revents) continue;
    items[k] = scratch();
    snprintf(items[k], 256, "%s:%s", fd_name(p[i].fd), fmt_events((uint16_t)p[i].revents));
    k++;
  }
  say_items(head, r, err, items, k);
  return r;
}

int compat_main(int argc, char **argv, void (*dut)(void), void (*peer)(void)) {
  const char *ctl = getenv("COMPAT_CTL_FD");
  ctl_fd = ctl ? atoi(ctl) : -1;
  if (argc != 2 || (strcmp(argv[1], "dut") != 0 && strcmp(argv[1], "peer") != 0)) {
    fprintf(stderr, "usage: %s dut|peer (normally run by compat/run)\n", argv[0]);
    return 2;
  }
  if (strcmp(argv[1], "peer") == 0) {
    // The Linux peer is only a counterpart: its writes never kill it.
    signal(SIGPIPE, SIG_IGN);
    if (peer) peer();
  } else {
    dut();
  }
  SYNC("end");
  return 0;
}

int peer_accepted(void) {
  int l = peer_listen(PORT);
  SYNC("ready");
  int c = accept_one(l);
  close(l);
  return c;
}

void peer_echo(void) {
  int c = peer_accepted();
  char buf[65536];
  long total = 0;
  for (;;) {
    ssize_t r = recv(c, buf, sizeof buf, 0);
    if (r <= 0) {
      say("echoed %ld bytes, then %s", total, r == 0 ? "EOF" : errname(errno));
      break;
    }
    if (send_all(c, buf, (size_t)r) < 0) break;
    total += r;
  }
  close(c);
}

void peer_sink(void) {
  int c = peer_accepted();
  recv_until_eof(c);
  close(c);
}

void peer_close(void) { close(peer_accepted()); }

void peer_rst(void) { rst_close(peer_accepted()); }

void peer_hold(void) {
  int c = peer_accepted();
  SYNC("done");
  close(c);
}

void peer_none(void) { SYNC("ready"); }

void hello_then_sink(int c, bool fin) {
  MUST(send(c, "hello", 5, 0));
  if (fin) MUST(shutdown(c, SHUT_WR));
  wait_acked(c);  // the FIN too: it takes a sequence number
  SYNC("sent");
  recv_until_eof(c);
  close(c);
}

static void hello_on_go(bool fin) {
  int c = peer_accepted();
  SYNC("go");
  hello_then_sink(c, fin);
}

void peer_hello(void) { hello_on_go(false); }
void peer_hello_fin(void) { hello_on_go(true); }

void peer_client(void) {
  SYNC("ready");
  int c = peer_connect(PORT);
  recv_until_eof(c);
  close(c);
}

void peer_client_hello(void) {
  SYNC("ready");
  int c = peer_connect(PORT);
  SYNC("go");
  hello_then_sink(c, false);
}

int dut_accepted(void) {
  int l = dut_listen(PORT);
  SYNC("ready");
  int c = accept_one(l);
  close(l);
  return c;
}

void peer_blackhole(void) {
  int l = listen_on(PEER_IP, PORT, 0);
  // Linux drops a SYN when the accept queue is full (tcp_conn_request);
  // with backlog 0 one established connection fills it.
  int filler = connect_to(PEER_IP, PORT);
  (void)filler;
  sleep_ms(20);
  SYNC("ready");
  (void)l;
}

long fill_send_buffer(int fd) {
  static char zeros[65536];
  long total = 0, r;
  while ((r = send(fd, zeros, sizeof zeros, MSG_DONTWAIT | MSG_NOSIGNAL)) > 0) total += r;
  if (errno != EAGAIN) say("filling the send buffer ended with %s", errname(errno));
  return total;
}

void peer_drain_counted(void) {
  int c = peer_accepted();
  long want = ctl_get(), got = 0;
  char buf[65536];
  while (got < want) {
    long ask = want - got < (long)sizeof buf ? want - got : (long)sizeof buf;
    ssize_t r = recv(c, buf, (size_t)ask, 0);
    if (r <= 0) break;
    got += r;
  }
  say("received all the DUT sent: %d", got == want);
  recv_until_eof(c);
  close(c);
}

static void sink_then_eof(bool fin) {
  int c = peer_accepted();
  recv_until_eof(c);
  if (fin) MUST(shutdown(c, SHUT_WR));
  SYNC("eof");
  close(c);
}

void peer_sink_eof(void) { sink_then_eof(false); }
void peer_sink_fin(void) { sink_then_eof(true); }

void peer_sink_fin_after_shut(void) {
  int c = peer_accepted();
  recv_until_eof(c);
  SYNC("shut");
  MUST(shutdown(c, SHUT_WR));
  SYNC("eof");
  close(c);
}

void peer_sink_on_go(void) {
  int c = peer_accepted();
  SYNC("go");
  recv_until_eof(c);
  close(c);
}

void peer_late(void) {
  int c = peer_accepted();
  SYNC("go");
  sleep_ms(300);
  MUST(send(c, "late", 4, 0));
  recv_until_eof(c);
  close(c);
}

void pend_signal(int sig, sigset_t *unblocked) {
  on_signal(sig, false);
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, sig);
  MUST(sigprocmask(SIG_BLOCK, &block, unblocked));
  sigdelset(unblocked, sig);
  MUST(raise(sig));
}

void peer_queue_three(void) {
  SYNC("ready");
  int c[3];
  for (int i = 0; i < 3; i++) {
    c[i] = peer_connect(PORT);
    char digit = (char)('1' + i);
    MUST(send(c[i], &digit, 1, 0));
    wait_acked(c[i]);
  }
  SYNC("queued");
  for (int i = 0; i < 3; i++) {
    recv_until_eof(c[i]);
    close(c[i]);
  }
}
