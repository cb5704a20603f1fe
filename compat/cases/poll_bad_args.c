// poll and ppoll with invalid arguments: EFAULT for NULL or unmapped
// arrays (also one that runs into an unmapped page), EINVAL for nfds above
// RLIMIT_NOFILE (checked before the array is read) and for a bad timespec;
// in a valid array a closed fd, one far above anything open and INT_MAX
// report POLLNVAL and a negative one is ignored (revents cleared to 0).
// Each with a percore socket in the set and with only kernel fds.
#include <limits.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include "compat.h"

// Entries are printed in array order by label, never by fd number.
static void show(const char *what, struct pollfd *p, const char *const *names, int n,
                 long r, int err) {
  char line[600];
  int len;
  if (r < 0)
    len = snprintf(line, sizeof line, "%s = %ld %s", what, r, errname(err));
  else
    len = snprintf(line, sizeof line, "%s = %ld", what, r);
  if (r >= 0)
    for (int i = 0; i < n && len < (int)sizeof line - 64; i++)
      len += snprintf(line + len, sizeof line - (size_t)len, " %s:%s", names[i],
                      fmt_events((uint16_t)p[i].revents));
  say("%s", line);
}

static void poll_logged(const char *what, struct pollfd *p, const char *const *names, int n,
                        int timeout) {
  for (int i = 0; i < n; i++) p[i].revents = 0x5555;  // must come back cleared
  errno = 0;
  long t = now_ms();
  long r = poll(p, (nfds_t)n, timeout);
  int err = errno;
  long d = now_ms() - t;
  show(what, p, names, n, r, err);
  if (timeout > 0) say("  returned at once (elapsed < %dms): %s", timeout / 2,
                       d < timeout / 2 ? "yes" : "no");
}

// The mix of odd descriptors, with `first` (and `second`) as the real ones.
static void odd_mix(const char *label, int first, short ev1, const char *n1, int second,
                    short ev2, const char *n2) {
  int gone = (int)MUST(dup(0));
  MUST(close(gone));
  struct pollfd p[6] = {
      {first, ev1, 0}, {second, ev2, 0},        {gone, POLLIN, 0},
      {-1, POLLIN, 0}, {100000, POLLIN, 0},     {INT_MAX, POLLIN | POLLOUT, 0},
  };
  const char *names[6] = {n1, n2, "closed", "negative", "fd100000", "INT_MAX"};
  char what[128];
  snprintf(what, sizeof what, "poll(%s mix, 0)", label);
  poll_logged(what, p, names, 6, 0);
  snprintf(what, sizeof what, "poll(%s mix, 1000)", label);
  poll_logged(what, p, names, 6, 1000);
  snprintf(what, sizeof what, "ppoll(%s mix, 0)", label);
  for (int i = 0; i < 6; i++) p[i].revents = 0x5555;
  errno = 0;
  long r = ppoll(p, 6, &(struct timespec){0}, NULL);
  show(what, p, names, 6, r, errno);
  // Only the negative fd and a real one: the negative one never counts.
  struct pollfd q[2] = {{-1, POLLIN, 0x5555}, {first, ev1, 0x5555}};
  const char *qn[2] = {"negative", n1};
  snprintf(what, sizeof what, "poll(%s negative+%s, 0)", label, n1);
  poll_logged(what, q, qn, 2, 0);
  struct pollfd neg[2] = {{-1, POLLIN, 0}, {-5, POLLOUT, 0}};
  const char *negn[2] = {"negative", "negative2"};
  snprintf(what, sizeof what, "poll(%s only negative, 100)", label);
  for (int i = 0; i < 2; i++) neg[i].revents = 0x5555;
  errno = 0;
  long t = now_ms();
  r = poll(neg, 2, 100);
  int err = errno;
  long d = now_ms() - t;
  show(what, neg, negn, 2, r, err);
  say("  waited the timeout (elapsed >= 100ms): %s", d >= 100 ? "yes" : "no");
}

// The bad-pointer and nfds checks, with `fd`/`ev` as the one valid entry.
static void bad_args(const char *label, int fd, short ev) {
  struct pollfd *volatile null = NULL;
  struct pollfd one = {fd, ev, 0};
  say("-- %s", label);
  CALL(poll(null, 1, 0));
  CALL(poll(null, 1, 100));
  CALL(poll(bad_pointer(), 1, 0));
  CALL(poll(null, 0, 0));
  CALL(poll(bad_pointer(), 0, 0));
  // One good entry at the end of a page, the second in an unmapped page.
  long page = sysconf(_SC_PAGESIZE);
  char *m = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                 -1, 0);
  if (m == MAP_FAILED) fail("mmap: %s", errname(errno));
  MUST(munmap(m + page, (size_t)page));
  struct pollfd *edge = (struct pollfd *)(m + page) - 1;
  *edge = one;
  CALL(poll(edge, 1, 0));
  say("  edge revents %s", fmt_events((uint16_t)edge->revents));
  CALL(poll(edge, 2, 0));
  CALL(ppoll(edge, 2, &(struct timespec){0}, NULL));
  MUST(munmap(m, (size_t)page));
  // nfds above RLIMIT_NOFILE: EINVAL, before the array is looked at.
  struct rlimit saved, low;
  MUST(getrlimit(RLIMIT_NOFILE, &saved));
  low = saved;
  low.rlim_cur = 64;
  MUST(setrlimit(RLIMIT_NOFILE, &low));
  struct pollfd many[65];
  for (int i = 0; i < 65; i++) many[i] = (struct pollfd){-1, POLLIN, 0};
  many[0] = one;
  say("RLIMIT_NOFILE soft limit 64");
  CALL(poll(many, 64, 0));
  CALL(poll(many, 65, 0));
  CALL(poll(many, 65, 100));
  CALL(poll(null, 65, 0));
  CALL(poll(bad_pointer(), 65, 0));
  CALL(poll(many, (nfds_t)-1, 0));
  CALL(ppoll(many, 65, &(struct timespec){0}, NULL));
  MUST(setrlimit(RLIMIT_NOFILE, &saved));
  say("RLIMIT_NOFILE restored");
  CALL(poll(many, 65, 0));
  // ppoll: bad arrays and bad timespecs.
  CALL(ppoll(null, 1, &(struct timespec){0}, NULL));
  CALL(ppoll(bad_pointer(), 1, &(struct timespec){0}, NULL));
  CALL(ppoll(&one, 1, &(struct timespec){.tv_nsec = 1000000000}, NULL));
  CALL(ppoll(&one, 1, &(struct timespec){.tv_nsec = -1}, NULL));
  CALL(ppoll(&one, 1, &(struct timespec){.tv_sec = -1}, NULL));
  CALL(ppoll(null, 0, &(struct timespec){.tv_nsec = 1000000000}, NULL));
  CALL(ppoll(&one, 1, &(struct timespec){.tv_nsec = 999999999}, NULL));
  say("  revents %s", fmt_events((uint16_t)one.revents));
}

static void dut(void) {
  int pfd[2];
  MUST(pipe(pfd));
  bad_args("kernel fds only", pfd[1], POLLOUT);
  odd_mix("kernel", pfd[0], POLLIN, "pipe_r", pfd[1], POLLOUT, "pipe_w");
  SYNC("ready");
  int fd = dut_connect(PORT);
  bad_args("percore socket", fd, POLLOUT);
  odd_mix("socket", fd, POLLOUT, "sock", pfd[1], POLLOUT, "pipe_w");
  odd_mix("kernel again", pfd[0], POLLIN, "pipe_r", pfd[1], POLLOUT, "pipe_w");
  CALL(send(fd, "still works", 11, 0));
  CALL(close(fd));
  CALL(close(pfd[0]));
  CALL(close(pfd[1]));
}

COMPAT_CASE(dut, peer_sink)
