// select and pselect with descriptors above FD_SETSIZE: with RLIMIT_NOFILE
// 4096 and a pipe's read end moved to 2000, fd sets the application
// allocates itself (here room for 1<<20 bits) work with nfds 2001 and with
// nfds 1<<20 (Linux clamps nfds to its descriptor table): a ready low fd
// and a ready fd 2000 are reported, an idle fd 2000 is not; a bit for a
// descriptor that is not open, below nfds, is EBADF (even when others are
// ready), and at or above nfds is ignored. The same with a percore socket
// in the write set, and with that socket moved to 2500.
#include <sys/resource.h>
#include "compat.h"

enum { HIGH = 2000, HIGH_SOCK = 2500, CLOSED = 1999, BIG_NFDS = 1 << 20 };
#define SET_BYTES (BIG_NFDS / 8)

static unsigned long *rset, *wset;

static void bit_set(unsigned long *s, int fd) {
  s[fd / (8 * sizeof *s)] |= 1UL << (fd % (8 * sizeof *s));
}
static int bit_isset(const unsigned long *s, int fd) {
  return !!(s[fd / (8 * sizeof *s)] & (1UL << (fd % (8 * sizeof *s))));
}

struct member {
  const char *name;
  int fd;
  bool write;  // in the write set, else the read set
};

// One select or pselect (timeout 0) over `m`, printed with each member's
// bit afterwards: `select(2001, r={low,high}) = 2: low 1, high 1`.
static void sel(bool use_pselect, const char *nfds_name, int nfds, const struct member *m, int n) {
  memset(rset, 0, SET_BYTES);
  memset(wset, 0, SET_BYTES);
  char head[200];
  int len = snprintf(head, sizeof head, "%s(%s,", use_pselect ? "pselect" : "select", nfds_name);
  for (int i = 0; i < n; i++) {
    bit_set(m[i].write ? wset : rset, m[i].fd);
    len += snprintf(head + len, sizeof head - (size_t)len, " %s:%s", m[i].write ? "w" : "r",
                    m[i].name);
  }
  snprintf(head + len, sizeof head - (size_t)len, ")");
  errno = 0;
  int r;
  if (use_pselect)
    r = pselect(nfds, (fd_set *)rset, (fd_set *)wset, NULL, &(struct timespec){0}, NULL);
  else
    r = select(nfds, (fd_set *)rset, (fd_set *)wset, NULL, &(struct timeval){0});
  int err = errno;
  if (r < 0) {
    say("%s = -1 %s", head, errname(err));
    return;
  }
  char line[400];
  len = snprintf(line, sizeof line, "%s = %d:", head, r);
  for (int i = 0; i < n; i++)
    len += snprintf(line + len, sizeof line - (size_t)len, " %s %d", m[i].name,
                    bit_isset(m[i].write ? wset : rset, m[i].fd));
  say("%s", line);
}

static int low_rd, low_wr, high_wr;

static void read_one(int fd) {
  char c;
  if (read(fd, &c, 1) != 1) say("read failed: %s", errname(errno));
}

// The pipe checks, with `extra` (a percore socket, or none) in every set.
static void round_of(bool use_pselect, const struct member *extra, int nextra) {
  struct member m[4];
  const struct member low = {"low", low_rd, false}, high = {"high", HIGH, false},
                      closed = {"closed", CLOSED, false};
#define WITH(...)                                                     \
  ({                                                                  \
    const struct member list_[] = {__VA_ARGS__};                      \
    int n_ = 0;                                                       \
    for (size_t i_ = 0; i_ < sizeof list_ / sizeof list_[0]; i_++)    \
      m[n_++] = list_[i_];                                            \
    for (int i_ = 0; i_ < nextra; i_++) m[n_++] = extra[i_];          \
    n_;                                                               \
  })
  MUST(write(low_wr, "x", 1));
  static const struct { const char *name; int nfds; } sizes[] = {{"2001", HIGH + 1},
                                                                 {"1<<20", BIG_NFDS}};
  for (int s = 0; s < 2; s++) {
    const char *nn = sizes[s].name;
    int nfds = sizes[s].nfds;
    sel(use_pselect, nn, nfds, m, WITH(low));
    sel(use_pselect, nn, nfds, m, WITH(high));
    sel(use_pselect, nn, nfds, m, WITH(low, high));
    MUST(write(high_wr, "y", 1));
    sel(use_pselect, nn, nfds, m, WITH(high));
    sel(use_pselect, nn, nfds, m, WITH(low, high));
    sel(use_pselect, nn, nfds, m, WITH(low, high, closed));
    read_one(HIGH);
  }
  sel(use_pselect, "1999", CLOSED, m, WITH(low, closed));
  sel(use_pselect, "2000", CLOSED + 1, m, WITH(low, closed));
  read_one(low_rd);
  sel(use_pselect, "2001", HIGH + 1, m, WITH(low, high));
#undef WITH
}

static void dut(void) {
  struct rlimit rl;
  MUST(getrlimit(RLIMIT_NOFILE, &rl));
  rl.rlim_cur = 4096;
  if (rl.rlim_max < 4096) rl.rlim_max = 4096;
  MUST(setrlimit(RLIMIT_NOFILE, &rl));
  rset = calloc(1, SET_BYTES);
  wset = calloc(1, SET_BYTES);
  if (!rset || !wset) fail("calloc");
  int a[2], b[2];
  MUST(pipe(a));
  MUST(pipe(b));
  low_rd = a[0];
  low_wr = a[1];
  high_wr = b[1];
  if (low_rd >= 1024) fail("the low pipe is not below 1024");
  CALL_FD(dup2(b[0], HIGH));
  MUST(close(b[0]));
  close(CLOSED);  // not open
  say("-- select, kernel fds only");
  round_of(false, NULL, 0);
  say("-- pselect, kernel fds only");
  round_of(true, NULL, 0);
  SYNC("ready");
  int fd = dut_connect(PORT);
  const struct member sock = {"sock", fd, true};
  say("-- select, a percore socket in the write set");
  round_of(false, &sock, 1);
  say("-- pselect, a percore socket in the write set");
  round_of(true, &sock, 1);
  say("-- the percore socket moved to 2500");
  CALL_FD(dup2(fd, HIGH_SOCK));
  const struct member hs[] = {{"sock2500", HIGH_SOCK, true}, {"sock2500", HIGH_SOCK, false},
                              {"high", HIGH, false}};
  sel(false, "2501", HIGH_SOCK + 1, hs, 1);
  sel(false, "1<<20", BIG_NFDS, hs, 1);
  sel(true, "2501", HIGH_SOCK + 1, hs, 1);
  sel(false, "2501", HIGH_SOCK + 1, hs + 1, 1);
  sel(false, "2500", HIGH_SOCK, hs, 1);
  MUST(write(high_wr, "y", 1));
  sel(false, "2501", HIGH_SOCK + 1, hs, 3);
  sel(true, "1<<20", BIG_NFDS, hs, 3);
  read_one(HIGH);
  CALL(send(HIGH_SOCK, "via 2500", 8, 0));
  CALL(close(HIGH_SOCK));
  CALL(close(fd));
  CALL(close(HIGH));
  MUST(close(low_rd));
  MUST(close(low_wr));
  MUST(close(high_wr));
}

COMPAT_CASE(dut, peer_sink)
