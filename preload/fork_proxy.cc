#include "preload/fork_proxy.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "preload/fd_table.h"
#include "preload/libc.h"
#include "preload/runtime.h"
#include "preload/socket.h"
#include "preload/user_memory.h"

namespace percore::preload::fork_proxy {
namespace {

enum class Op : std::uint32_t { Send = 1, Recv, Shutdown, Events, Release };

struct Request {
  Op op;
  std::int32_t arg;  // flags (recv), how (shutdown)
  std::uint64_t key;  // the Socket's address, the same in both processes
  std::uint64_t len;  // payload bytes (send) or bytes wanted (recv)
};

struct Reply {
  std::int64_t rc;
  std::int32_t err;
};

// Bytes per request: well inside a SEQPACKET message's limit.
constexpr std::size_t kChunk = 48 * 1024;
// How long a blocked child waits between asking again.
constexpr timespec kRetry{0, 200'000};

std::uint64_t key_of(const Socket* s) { return reinterpret_cast<std::uint64_t>(s); }

int fail(int e) {
  errno = e;
  return -1;
}

// The channel's fds sit high, out of the range the application's own
// descriptors take, so the numbers it sees stay Linux's.
int move_high(int fd) {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur < 64) return fd;
  const long floor = static_cast<long>(std::min<rlim_t>(files.rlim_cur, 1 << 16)) - 32;
  const int high = libc().fcntl(fd, F_DUPFD_CLOEXEC, floor);
  if (high < 0) return fd;
  libc().close(fd);
  return high;
}

// The parent's side: one thread per child, until the child's end closes.
void serve(int fd, absl::flat_hash_map<std::uint64_t, std::shared_ptr<Socket>> refs) {
  pthread_setname_np(pthread_self(), "percore-fork");
  std::vector<std::uint8_t> in(sizeof(Request) + kChunk), out(sizeof(Reply) + kChunk);
  for (;;) {
    const ssize_t n = libc().recv(fd, in.data(), in.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < static_cast<ssize_t>(sizeof(Request))) break;  // the child is gone
    Request req;
    std::memcpy(&req, in.data(), sizeof req);
    auto it = refs.find(req.key);
    if (req.op == Op::Release) {
      if (it != refs.end()) refs.erase(it);  // may close the connection now
      continue;
    }
    Reply rep{-1, EBADF};
    std::size_t payload = 0;
    if (it != refs.end()) {
      Socket& s = *it->second;
      switch (req.op) {
        case Op::Send: {
          const std::size_t len = std::min<std::size_t>(req.len, n - sizeof(Request));
          iovec v{in.data() + sizeof(Request), len};
          rep.rc = s.send(-1, {&v, 1}, MSG_DONTWAIT | MSG_NOSIGNAL);
          break;
        }
        case Op::Recv: {
          iovec v{out.data() + sizeof(Reply), std::min<std::size_t>(req.len, kChunk)};
          rep.rc = s.recv(-1, {&v, 1}, MSG_DONTWAIT | (req.arg & (MSG_PEEK | MSG_WAITALL)),
                          nullptr, nullptr);
          if (rep.rc > 0) payload = static_cast<std::size_t>(rep.rc);
          break;
        }
        case Op::Shutdown: rep.rc = s.shutdown(-1, req.arg); break;
        case Op::Events: rep.rc = s.poll_events(-1); break;
        case Op::Release: break;
      }
      rep.err = rep.rc < 0 ? errno : 0;
    }
    std::memcpy(out.data(), &rep, sizeof rep);
    libc().send(fd, out.data(), sizeof rep + payload, MSG_NOSIGNAL);
  }
  libc().close(fd);
  // refs go here: connections the parent closed meanwhile end now.
}

// The child's side.
std::mutex g_mu;  // one request at a time on the channel
int g_channel = -1;

// Sends a request and takes its reply; false (errno set) when the parent is gone.
bool call(const Request& req, const void* payload, Reply& rep, void* data, std::size_t room,
          std::size_t& got) {
  std::vector<std::uint8_t> msg(sizeof req + (payload != nullptr ? req.len : 0));
  std::memcpy(msg.data(), &req, sizeof req);
  if (payload != nullptr) std::memcpy(msg.data() + sizeof req, payload, req.len);
  std::lock_guard lock(g_mu);
  if (g_channel < 0) return fail(EPIPE), false;
  if (libc().send(g_channel, msg.data(), msg.size(), MSG_NOSIGNAL) < 0) return false;
  std::vector<std::uint8_t> in(sizeof rep + room);
  ssize_t n;
  do n = libc().recv(g_channel, in.data(), in.size(), 0);
  while (n < 0 && errno == EINTR);
  if (n < static_cast<ssize_t>(sizeof rep)) return fail(ECONNRESET), false;
  std::memcpy(&rep, in.data(), sizeof rep);
  got = static_cast<std::size_t>(n) - sizeof rep;
  if (got > 0 && data != nullptr) std::memcpy(data, in.data() + sizeof rep, got);
  return true;
}

// Whether a blocked call should stop for a signal that ran meanwhile.

}  // namespace

Pending prepare() {
  Pending p;
  Runtime& rt = Runtime::get();
  if (!rt.started() || rt.forked_away()) return p;
  FdTable::get().for_each([&](int, const std::shared_ptr<File>& f) {
    if (f->kind() != File::Kind::Socket) return;
    auto s = std::static_pointer_cast<Socket>(f);
    if (!s->connection()) return;
    if (std::find(p.inherited.begin(), p.inherited.end(), s) == p.inherited.end())
      p.inherited.push_back(std::move(s));
  });
  if (p.inherited.empty()) return p;
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0) {
    p.inherited.clear();  // the child gets the placeholders, as without a channel
    return p;
  }
  p.parent_end = move_high(ends[0]);
  p.child_end = move_high(ends[1]);
  return p;
}

void parent_after(Pending& p, pid_t pid) {
  if (p.parent_end < 0) return;
  libc().close(p.child_end);
  if (pid < 0) {
    libc().close(p.parent_end);
    return;
  }
  absl::flat_hash_map<std::uint64_t, std::shared_ptr<Socket>> refs;
  for (auto& s : p.inherited) refs.emplace(key_of(s.get()), std::move(s));
  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &saved);
  std::thread(serve, p.parent_end, std::move(refs)).detach();
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
}

void child_after(Pending& p) {
  // A grandchild does not speak on its parent's channel: the replies would
  // mix. It sees the placeholders.
  if (g_channel >= 0) {
    libc().close(g_channel);
    g_channel = -1;
  }
  new (&g_mu) std::mutex();  // another thread may have held it at the fork
  if (p.parent_end < 0) return;
  libc().close(p.parent_end);
  g_channel = p.child_end;
  p.inherited.clear();  // the child's copies of the parent's references: never released
}

bool active() { return g_channel >= 0; }

ssize_t send(const Socket* s, std::span<const iovec> iov, int flags, bool nonblocking) {
  std::vector<std::uint8_t> chunk;
  std::size_t total = 0;
  for (const iovec& v : iov) {
    if (!user_range_ok(v.iov_base, v.iov_len)) return fail(EFAULT);
    total += v.iov_len;
  }
  const bool dontwait = nonblocking || (flags & MSG_DONTWAIT);
  const SignalWatch signals;
  std::size_t sent = 0;
  std::size_t vi = 0, off = 0;  // where `sent` is in iov
  while (sent < total || total == 0) {
    chunk.clear();
    for (std::size_t i = vi, o = off; i < iov.size() && chunk.size() < kChunk; ++i, o = 0) {
      const auto* base = static_cast<const std::uint8_t*>(iov[i].iov_base);
      const std::size_t k = std::min(iov[i].iov_len - o, kChunk - chunk.size());
      chunk.insert(chunk.end(), base + o, base + o + k);
    }
    Reply rep{};
    std::size_t got = 0;
    const Request req{Op::Send, 0, key_of(s), chunk.size()};
    if (!call(req, chunk.data(), rep, nullptr, 0, got)) return sent > 0 ? sent : -1;
    if (rep.rc > 0) {
      sent += static_cast<std::size_t>(rep.rc);
      for (std::size_t k = static_cast<std::size_t>(rep.rc); k > 0;) {
        const std::size_t step = std::min(k, iov[vi].iov_len - off);
        k -= step;
        off += step;
        if (off == iov[vi].iov_len) ++vi, off = 0;
      }
      if (total == 0) break;
      continue;
    }
    if (rep.rc == 0 && total == 0) break;
    if (rep.rc < 0 && rep.err != EAGAIN) {
      if (sent > 0) return static_cast<ssize_t>(sent);
      if (rep.err == EPIPE && !(flags & MSG_NOSIGNAL)) raise(SIGPIPE);
      return fail(rep.err);
    }
    if (dontwait) return sent > 0 ? static_cast<ssize_t>(sent) : fail(EAGAIN);
    if (signals.fired()) return sent > 0 ? static_cast<ssize_t>(sent) : fail(EINTR);
    nanosleep(&kRetry, nullptr);
  }
  return static_cast<ssize_t>(sent);
}

ssize_t recv(const Socket* s, std::span<const iovec> iov, int flags, bool nonblocking) {
  std::size_t total = 0;
  for (const iovec& v : iov) {
    if (!user_range_ok(v.iov_base, v.iov_len)) return fail(EFAULT);
    total += v.iov_len;
  }
  if (total == 0) return 0;
  const bool dontwait = nonblocking || (flags & MSG_DONTWAIT);
  const SignalWatch signals;
  std::vector<std::uint8_t> data(std::min(total, kChunk));
  for (;;) {
    Reply rep{};
    std::size_t got = 0;
    const Request req{Op::Recv, flags & MSG_PEEK, key_of(s), data.size()};
    if (!call(req, nullptr, rep, data.data(), data.size(), got)) return -1;
    if (rep.rc >= 0) {
      std::size_t off = 0;
      for (const iovec& v : iov) {
        if (off == got) break;
        const std::size_t k = std::min(v.iov_len, got - off);
        std::memcpy(v.iov_base, data.data() + off, k);
        off += k;
      }
      return static_cast<ssize_t>(got);
    }
    if (rep.err != EAGAIN) return fail(rep.err);
    if (dontwait) return fail(EAGAIN);
    if (signals.fired()) return fail(EINTR);
    nanosleep(&kRetry, nullptr);
  }
}

int shutdown(const Socket* s, int how) {
  Reply rep{};
  std::size_t got = 0;
  if (!call({Op::Shutdown, how, key_of(s), 0}, nullptr, rep, nullptr, 0, got)) return -1;
  if (rep.rc < 0) return fail(rep.err);
  return 0;
}

std::uint32_t poll_events(const Socket* s) {
  Reply rep{};
  std::size_t got = 0;
  if (!call({Op::Events, 0, key_of(s), 0}, nullptr, rep, nullptr, 0, got)) return POLLHUP | POLLERR;
  return rep.rc > 0 ? static_cast<std::uint32_t>(rep.rc) : 0;
}

void release(const Socket* s) {
  std::lock_guard lock(g_mu);
  if (g_channel < 0) return;
  const Request req{Op::Release, 0, key_of(s), 0};
  libc().send(g_channel, &req, sizeof req, MSG_NOSIGNAL);
}

}  // namespace percore::preload::fork_proxy
