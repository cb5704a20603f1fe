#include "preload/socket.h"

#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <cstdio>
#include <cstring>

#include "preload/errors.h"
#include "preload/fork_proxy.h"
#include "preload/libc.h"
#include "preload/shared.h"
#include "preload/user_memory.h"

namespace percore::preload {
namespace {

using tcp::Event::kConnected;
using tcp::Event::kError;
using tcp::Event::kHup;
using tcp::Event::kReadable;
using tcp::Event::kReadHup;
using tcp::Event::kWritable;

int fail(int e) {
  errno = e;
  return -1;
}

int fail(Errc e) { return fail(to_errno(e)); }

std::uint32_t to_poll_bits(std::uint32_t e) {
  std::uint32_t r = 0;
  if (e & kReadable) r |= POLLIN | POLLRDNORM;
  if (e & kWritable) r |= POLLOUT | POLLWRNORM;
  if (e & kReadHup) r |= POLLRDHUP;
  // Linux's tcp_poll: a connection closed for good (reset, refused, both
  // directions shut) has sk_shutdown == SHUTDOWN_MASK, which reports the
  // read side's end too.
  if (e & kHup) r |= POLLHUP | POLLRDHUP | POLLIN | POLLRDNORM;
  if (e & kError) r |= POLLERR;
  return r;
}

bool iov_ok(std::span<const iovec> iov) {
  for (const iovec& v : iov)
    if (!user_range_ok(v.iov_base, v.iov_len)) return false;
  return true;
}

// nullopt for anything the kernel should judge (another family, a short or
// unreadable address: the kernel's own call then gives its exact error).
std::optional<api::Endpoint> endpoint_of(const sockaddr* addr, socklen_t len) {
  if (addr == nullptr || len < static_cast<socklen_t>(sizeof(sockaddr_in))) return std::nullopt;
  sockaddr_in in;
  if (!read_user(&in, addr, sizeof in)) return std::nullopt;
  if (in.sin_family != AF_INET) return std::nullopt;
  return api::Endpoint{{ntohl(in.sin_addr.s_addr)}, ntohs(in.sin_port)};
}

// Linux's sockaddr output rule: copy what fits, report the full length.
// False (EFAULT) when either pointer is bad.
bool write_endpoint(const api::Endpoint& e, sockaddr* addr, socklen_t* len) {
  if (addr == nullptr || len == nullptr) return true;
  socklen_t room;
  if (!read_user(&room, len, sizeof room)) return false;
  if (static_cast<int>(room) < 0) return true;  // callers checked EINVAL
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(e.port);
  in.sin_addr.s_addr = htonl(e.ip.value);
  const socklen_t full = sizeof in;
  return write_user(addr, &in, std::min<std::size_t>(room, sizeof in)) &&
         write_user(len, &full, sizeof full);
}

std::size_t total_length(std::span<const iovec> iov) {
  std::size_t n = 0;
  for (const iovec& v : iov) n += v.iov_len;
  return n;
}

// SIGPIPE goes to the calling thread, as the kernel sends it.
void raise_sigpipe() { pthread_kill(pthread_self(), SIGPIPE); }

int kernel_int_option(int fd, int level, int name) {
  int value = 0;
  socklen_t len = sizeof value;
  return libc().getsockopt(fd, level, name, &value, &len) == 0 ? value : 0;
}

// How long an exiting process keeps the stack running for what it leaves
// behind. Linux delivers an exiting process's data and FIN from the kernel
// after it is gone; here a lingering child takes over what is left after
// kExitHandOver (Runtime::hand_over_at_exit), or, where none can, the
// process stays up to kExitFlush to do it.
constexpr Duration kExitHandOver = std::chrono::milliseconds(50);
constexpr Duration kExitFlush = std::chrono::milliseconds(500);

void register_exit_flush() {
  static std::once_flag once;
  std::call_once(once, [] { std::atexit(close_all_at_exit); });
}

}  // namespace

void close_all_at_exit() {
  static std::atomic<bool> done{false};
  bool handing_over = false;
  Runtime& rt = Runtime::get();
  if (!rt.started() || rt.forked_away() || done.exchange(true)) return;
  rt.exiting();
  const Instant start = now();
  for (std::size_t i = 0; i < rt.shard_count(); ++i) {
    ShardBox& box = rt.box(i);
    std::lock_guard lock(box.mu);
    box.sockets.close_all_connections(start);
    box.after_call_locked(start);
  }
  for (;;) {
    const Instant t = now();
    rt.poll_all(t);
    bool sending = false;
    for (std::size_t i = 0; i < rt.shard_count() && !sending; ++i) {
      ShardBox& box = rt.box(i);
      std::lock_guard lock(box.mu);
      sending = box.sockets.sending();
    }
    if (!sending) return;
    if (t - start >= kExitHandOver && !std::exchange(handing_over, true) &&
        rt.hand_over_at_exit())
      return;
    if (t - start >= kExitFlush) return;
    timespec pause{0, 50'000};
    nanosleep(&pause, nullptr);
  }
}

// The stack's listening sockets for one address, one per shard. Sockets
// that the kernel let share the address (SO_REUSEPORT) share these and one
// accept queue; Linux would spread connections over them by hash, and any
// connection is accepted by one of them either way.
struct ListenGroup final : ReadyTarget {
  struct Listening {
    ShardBox* box;
    api::SocketId id;
  };
  std::vector<Listening> listening;
  bool reuse_port = false;  // its first socket had SO_REUSEPORT
  std::mutex mu;
  std::vector<Socket*> members;

  void on_ready() override {
    std::lock_guard lock(mu);
    for (Socket* m : members) m->notify_watchers();
  }
};

namespace {

// The registries below are never destroyed: threads and the exit path may
// still close listeners after static destructors ran (a destroyed table's
// find() aborted in compat err_listen_accept_mix).
std::mutex& groups_mu() {
  static auto* mu = new std::mutex;
  return *mu;
}
using ListenKey = std::pair<std::uint32_t, std::uint16_t>;
absl::flat_hash_map<ListenKey, std::weak_ptr<ListenGroup>>& groups() {
  static auto* map = new absl::flat_hash_map<ListenKey, std::weak_ptr<ListenGroup>>;
  return *map;
}
// Every listening address, materialised or only recorded (the placeholder
// of a listener on the stack's address does not listen in the kernel), for
// Linux's bind and listen conflicts. Under groups_mu().
struct ListenClaim {
  unsigned sockets = 0;
  bool reuse_port = true;  // every socket listening there has SO_REUSEPORT
};
absl::flat_hash_map<ListenKey, ListenClaim>& claims() {
  static auto* map = new absl::flat_hash_map<ListenKey, ListenClaim>;
  return *map;
}

// Linux's inet_bind_conflict() against a listener: only SO_REUSEPORT on
// both shares its port; SO_REUSEADDR never does. groups_mu() held.
bool listener_conflict(const api::Endpoint& at, bool reuse_port) {
  for (const auto& [key, claim] : claims()) {
    if (key.second != at.port || claim.sockets == 0) continue;
    const wire::Ipv4Addr ip{key.first};
    if (!(ip == at.ip || ip.is_any() || at.ip.is_any())) continue;
    if (!(reuse_port && claim.reuse_port)) return true;
  }
  return false;
}

}  // namespace

bool is_candidate(int domain, int type, int protocol) {
  const int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  return domain == AF_INET && base == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP);
}

Socket::Socket(bool nonblocking) : File(Kind::Socket), nonblocking_(nonblocking) {}

Socket::Socket(ShardBox& box, api::SocketId id, bool nonblocking)
    : File(Kind::Socket), mode_(Mode::Percore), nonblocking_(nonblocking), box_(&box), id_(id) {
  box.owners[id.index] = this;  // the caller holds box.mu
}

Socket::~Socket() {
  detach_watches();
  release_listen();
  // In a child forked after the stack started, the stack is the parent's:
  // closing here must not send its FIN from this process; the parent drops
  // the child's reference (fork_proxy.h).
  if (mode() != Mode::Percore) return;
  if (Runtime::get().forked_away()) {
    if (connection()) fork_proxy::release(this);
    return;
  }
  const Instant t = now();
  auto close_one = [&](ShardBox& box, api::SocketId id) {
    std::lock_guard lock(box.mu);
    box.owners.erase(id.index);
    (void)box.sockets.close(id, t);
    box.after_call_locked(t);
  };
  if (ShardBox* box = this->box()) close_one(*box, id_);  // the last reference: no migration
  leave_group();
}

void Socket::leave_group() {
  if (!group_) return;
  bool last;
  {
    std::lock_guard registry(groups_mu());
    std::lock_guard lock(group_->mu);
    std::erase(group_->members, this);
    last = group_->members.empty();
    if (last) groups().erase({bound_.ip.value, bound_.port});
  }
  if (last) {
    SharedRegistry::get().unlisten(bound_.port, Runtime::get().slot());
    const Instant t = now();
    for (const auto& l : group_->listening) {
      std::lock_guard lock(l.box->mu);
      l.box->owners.erase(l.id.index);
      (void)l.box->sockets.close(l.id, t);
      l.box->after_call_locked(t);
      l.box->wake();
    }
  }
  group_.reset();
}

bool Socket::become_percore() {
  Runtime& rt = Runtime::get();
  if (!rt.ensure_started()) return false;  // errno set
  register_exit_flush();
  mode_.store(Mode::Percore, std::memory_order_release);
  return true;
}

void Socket::become_kernel(int fd) {
  mode_.store(Mode::Kernel, std::memory_order_release);
  // Later calls on this fd skip percore entirely; a dup()ed fd still finds
  // this object, whose every call then goes to the kernel.
  auto self = FdTable::get().take(fd);
}

std::uint32_t Socket::stack_events() {
  {
    std::unique_lock<std::mutex> lock;
    if (ShardBox* box = lock_box(lock)) return box->sockets.events(id_);
  }
  // A listener: shutdown() and connect(AF_UNSPEC) replace its group under mu_.
  std::shared_ptr<ListenGroup> group;
  {
    std::lock_guard lock(mu_);
    group = group_;
  }
  std::uint32_t e = 0;
  if (group)
    for (const auto& l : group->listening) {
      std::lock_guard lock(l.box->mu);
      e |= l.box->sockets.events(l.id);
    }
  return e;
}

ShardBox* Socket::lock_box(std::unique_lock<std::mutex>& lock) const {
  for (;;) {
    ShardBox* box = this->box();
    if (box == nullptr) return nullptr;
    lock = std::unique_lock(box->mu);
    if (this->box() == box) return box;
    lock.unlock();
  }
}

void Socket::follow_caller() {
  Runtime& rt = Runtime::get();
  if (rt.shard_count() < 2 || rt.forked_away()) return;
  ShardBox* from = box();
  ShardBox& to = rt.home();
  if (from == nullptr || from == &to) {
    foreign_calls_.store(0, std::memory_order_relaxed);
    return;
  }
  if (foreign_calls_.fetch_add(1, std::memory_order_relaxed) + 1 < kMigrateAfter) return;
  foreign_calls_.store(0, std::memory_order_relaxed);
  std::scoped_lock both(from->mu, to.mu);
  if (box() != from) return;  // another thread moved it meanwhile
  auto moving = from->sockets.take_for_move(id_, to.sockets);
  if (!moving) return;  // not now (connecting, closing, or its tuple lingers there)
  const tcp::FourTuple tuple = moving->tcb->tuple();
  from->owners.erase(id_.index);
  const api::SocketId id = to.sockets.adopt_moved(std::move(*moving));
  to.owners[id.index] = this;
  to.shard.note_moved_here(tuple);
  id_ = id;
  box_.store(&to, std::memory_order_release);
  rt.migrations_.fetch_add(1, std::memory_order_relaxed);
  to.after_call_locked(now());
}

std::uint32_t Socket::poll_events(int fd) {
  // The parent's connection, seen from a child forked after the stack
  // started: the child's copy of the stack is the connection as it was at
  // the fork, read (never polled or sent on) for what epoll/poll report.
  if (mode() == Mode::Percore && Runtime::get().forked_away()) {
    if (connection() && fork_proxy::active()) return fork_proxy::poll_events(this);
    ShardBox* box = this->box();
    if (box == nullptr) return 0;
    std::unique_lock lock(box->mu, std::try_to_lock);
    return lock.owns_lock() ? to_poll_bits(box->sockets.events(id_)) : 0;
  }
  if (mode() != Mode::Percore) {
    pollfd p{fd, POLLIN | POLLOUT | POLLRDHUP | POLLPRI, 0};
    return libc().poll(&p, 1, 0) > 0 ? static_cast<std::uint32_t>(p.revents) : 0;
  }
  if (listener_ && !group_) {
    std::lock_guard lock(mu_);
    materialize(fd);
  }
  std::uint32_t bits = to_poll_bits(stack_events());
  if (kernel_listening_) {
    pollfd p{fd, POLLIN, 0};
    if (libc().poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) bits |= POLLIN | POLLRDNORM;
  }
  if (listener_) bits &= POLLIN | POLLRDNORM;  // a listener is only ever readable
  return bits;
}

void Socket::on_ready() { notify_watchers(); }

std::optional<Instant> Socket::deadline(bool receiving) const {
  const Duration d = receiving ? rcvtimeo_ : sndtimeo_;
  if (d == Duration::zero()) return std::nullopt;
  return now() + d;
}

int Socket::bind(int fd, const sockaddr* addr, socklen_t len) {
  std::lock_guard lock(mu_);
  if (mode() != Mode::Undecided) {
    if (mode() == Mode::Kernel) return libc().bind(fd, addr, len);
    return fail(EINVAL);  // Linux: already bound
  }
  auto at = endpoint_of(addr, len);
  const wire::Ipv4Addr ours = Runtime::get().address().addr;
  if (!at || !(at->ip.is_any() || at->ip == ours) || !Runtime::get().can_serve()) {
    // Loopback, another address, a bad argument, or a process the stack
    // cannot run in: the kernel's, with its errors.
    const int rc = libc().bind(fd, addr, len);
    if (rc == 0) become_kernel(fd);
    return rc;
  }
  // The placeholder holds the port in the kernel, which gives SO_REUSEADDR,
  // SO_REUSEPORT and EADDRINUSE exactly Linux's meaning for every socket the
  // kernel knows. It does not know the stack's connections (TIME-WAIT
  // included) nor listeners on the stack's address: those are judged here,
  // before the placeholder takes the port (a bind cannot be undone).
  if (at->port != 0 && bound_.port == 0 && port_in_use(fd, *at)) return fail(EADDRINUSE);
  // The stack's address need not be the kernel's: IP_FREEBIND lets the
  // placeholder hold exactly that address, so a kernel socket on
  // 127.0.0.1 and the same port does not conflict (INADDR_ANY would).
  // Only bind() reads the option; the application's value is put back.
  const bool freebind = at->ip == ours && kernel_int_option(fd, SOL_IP, IP_FREEBIND) == 0;
  const int on = 1, off = 0;
  if (freebind) libc().setsockopt(fd, SOL_IP, IP_FREEBIND, &on, sizeof on);
  const int bound = libc().bind(fd, addr, sizeof(sockaddr_in));
  const int bind_errno = errno;
  if (freebind) libc().setsockopt(fd, SOL_IP, IP_FREEBIND, &off, sizeof off);
  if (bound != 0) return fail(bind_errno);
  sockaddr_in actual{};
  socklen_t actual_len = sizeof actual;
  libc().getsockname(fd, reinterpret_cast<sockaddr*>(&actual), &actual_len);
  bound_ = {at->ip, ntohs(actual.sin_port)};
  bound_ours_ = at->ip == ours;
  return 0;
}

bool Socket::claim_listen(int fd) {
  const bool reuse_port = kernel_int_option(fd, SOL_SOCKET, SO_REUSEPORT) != 0;
  std::lock_guard registry(groups_mu());
  // A listener on INADDR_ANY was judged by the kernel, whose placeholder listens.
  if (!kernel_listening_ && listener_conflict(bound_, reuse_port)) return false;
  ListenClaim& claim = claims()[{bound_.ip.value, bound_.port}];
  ++claim.sockets;
  claim.reuse_port = claim.reuse_port && reuse_port;
  claimed_ = true;
  return true;
}

void Socket::release_listen() {
  if (!claimed_) return;
  claimed_ = false;
  std::lock_guard registry(groups_mu());
  auto it = claims().find({bound_.ip.value, bound_.port});
  if (it != claims().end() && --it->second.sockets == 0) claims().erase(it);
}

bool Socket::port_in_use(int fd, const api::Endpoint& at) {
  const bool reuse_addr = kernel_int_option(fd, SOL_SOCKET, SO_REUSEADDR) != 0;
  const bool reuse_port = kernel_int_option(fd, SOL_SOCKET, SO_REUSEPORT) != 0;
  {
    std::lock_guard registry(groups_mu());
    if (listener_conflict(at, reuse_port)) return true;
  }
  Runtime& rt = Runtime::get();
  if (!rt.started()) return false;
  for (std::size_t i = 0; i < rt.shard_count(); ++i) {
    ShardBox& box = rt.box(i);
    std::lock_guard lock(box.mu);
    if (box.sockets.port_taken(at, reuse_addr, reuse_port)) return true;
  }
  return false;
}

void Socket::apply_option(int level, int name, int value) {
  const Instant t = now();
  auto set = [&](api::Option o, int v) {
    {
      std::unique_lock<std::mutex> lock;
      if (ShardBox* box = lock_box(lock)) {
        (void)box->sockets.set_option(id_, o, v, t);
        box->after_call_locked(t);
      }
    }
    if (group_)
      for (const auto& l : group_->listening) {
        std::lock_guard lock(l.box->mu);
        (void)l.box->sockets.set_option(l.id, o, v, t);
        l.box->after_call_locked(t);
      }
  };
  if (level == SOL_SOCKET) {
    switch (name) {
      case SO_KEEPALIVE: set(api::Option::KeepAlive, value); break;
      case SO_RCVBUF: set(api::Option::RcvBuf, value * 2); break;  // Linux doubles it
      case SO_SNDBUF: set(api::Option::SndBuf, value * 2); break;
      case SO_RCVLOWAT: set(api::Option::RcvLowat, value); break;
      case SO_REUSEADDR: set(api::Option::ReuseAddr, value); break;
      case SO_REUSEPORT: set(api::Option::ReusePort, value); break;
    }
  } else if (level == IPPROTO_TCP) {
    switch (name) {
      case TCP_NODELAY: set(api::Option::NoDelay, value); break;
      case TCP_CORK: set(api::Option::Cork, value); break;
      case TCP_KEEPIDLE: set(api::Option::KeepIdleSec, value); break;
      case TCP_KEEPINTVL: set(api::Option::KeepIntervalSec, value); break;
      case TCP_KEEPCNT: set(api::Option::KeepCount, value); break;
    }
  }
}

void Socket::replay_options(int fd) {
  // setsockopt() went to the placeholder too; carry what the stack
  // implements over to the stack's socket.
  static constexpr std::pair<int, int> kCarried[] = {
      {SOL_SOCKET, SO_KEEPALIVE},  {IPPROTO_TCP, TCP_NODELAY},   {IPPROTO_TCP, TCP_CORK},
      {IPPROTO_TCP, TCP_KEEPIDLE}, {IPPROTO_TCP, TCP_KEEPINTVL}, {IPPROTO_TCP, TCP_KEEPCNT},
      {SOL_SOCKET, SO_RCVLOWAT},   {SOL_SOCKET, SO_REUSEADDR},   {SOL_SOCKET, SO_REUSEPORT}};
  for (auto [level, name] : kCarried) apply_option(level, name, kernel_int_option(fd, level, name));
  if (buffers_set_) {
    apply_option(SOL_SOCKET, SO_RCVBUF, kernel_int_option(fd, SOL_SOCKET, SO_RCVBUF) / 2);
    apply_option(SOL_SOCKET, SO_SNDBUF, kernel_int_option(fd, SOL_SOCKET, SO_SNDBUF) / 2);
  }
  linger l{};
  socklen_t len = sizeof l;
  if (libc().getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &len) == 0 && l.l_onoff) {
    const Instant t = now();
    if (box_ != nullptr) {
      std::unique_lock<std::mutex> lock;
      ShardBox* box = lock_box(lock);
      (void)box->sockets.set_option(id_, api::Option::LingerSec, l.l_linger, t);
    }
  }
}

int Socket::listen(int fd, int backlog) {
  std::lock_guard lock(mu_);
  if (mode() == Mode::Kernel) return libc().listen(fd, backlog);
  const unsigned effective = static_cast<unsigned>(std::clamp(backlog, 1, 4096));
  if (mode() == Mode::Percore) {
    if (!listener_) return fail(EINVAL);  // a connection cannot listen
    if (kernel_listening_) libc().listen(fd, backlog);
    listen_backlog_ = effective;
    if (group_)
      for (const auto& l : group_->listening) {
        std::lock_guard box_lock(l.box->mu);
        (void)l.box->sockets.listen(l.id, effective);
      }
    return 0;
  }
  if (!Runtime::get().can_serve()) {
    // The stack cannot run here (said once): a socket bound to INADDR_ANY
    // is the kernel's; one bound to the stack's address has none to serve it.
    if (bound_ours_) return fail(ENETDOWN);
    const int rc = libc().listen(fd, backlog);
    if (rc == 0) become_kernel(fd);
    return rc;
  }
  if (!bound_ours_) {
    // INADDR_ANY (or unbound, which Linux binds to INADDR_ANY): the kernel
    // listens too, and picks the port when there is none yet.
    if (libc().listen(fd, backlog) != 0) return -1;
    kernel_listening_ = true;
    sockaddr_in actual{};
    socklen_t actual_len = sizeof actual;
    libc().getsockname(fd, reinterpret_cast<sockaddr*>(&actual), &actual_len);
    bound_.port = ntohs(actual.sin_port);
    // The kernel side is polled, never blocked on.
    const int flags = libc().fcntl(fd, F_GETFL);
    libc().fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  } else if (Runtime::get().config() == nullptr) {
    return fail(EINVAL);
  }
  if (!claim_listen(fd)) return fail(EADDRINUSE);
  listener_ = true;
  listen_backlog_ = effective;
  mode_.store(Mode::Percore, std::memory_order_release);
  // A listener made before the stack runs is only recorded: a server that
  // listens and then forks workers (nginx) must not start DPDK before the
  // fork. It materialises in whichever process first waits on it.
  if (Runtime::get().started()) {
    if (!materialize(fd)) {
      if (kernel_listening_) return 0;
      release_listen();
      listener_ = false;
      mode_.store(Mode::Undecided, std::memory_order_release);
      return -1;
    }
  } else {
    Runtime::get().defer_listener(weak_from_this(), fd);
  }
  return 0;
}

void Socket::materialize_deferred(int fd) {
  if (FdTable::get().find(fd).get() != this) return;  // closed, or the number reused
  std::lock_guard lock(mu_);
  if (listener_) materialize(fd);
}

bool Socket::materialize(int fd) {
  if (group_) return true;
  Runtime& rt = Runtime::get();
  if (!rt.ensure_started()) return false;  // the kernel's listener still serves
  register_exit_flush();
  std::lock_guard registry(groups_mu());
  const ListenKey key{bound_.ip.value, bound_.port};
  if (auto it = groups().find(key); it != groups().end()) {
    if (auto group = it->second.lock()) {
      // Linux: only SO_REUSEPORT on both lets a second socket listen here;
      // SO_REUSEADDR lets both bind, and the second listen() fails.
      if (!group->reuse_port || kernel_int_option(fd, SOL_SOCKET, SO_REUSEPORT) == 0) {
        errno = EADDRINUSE;
        return false;
      }
      std::lock_guard lock(group->mu);
      group->members.push_back(this);
      group_ = std::move(group);
      return true;
    }
  }
  auto group = std::make_shared<ListenGroup>();
  group->reuse_port = kernel_int_option(fd, SOL_SOCKET, SO_REUSEPORT) != 0;
  for (std::size_t i = 0; i < rt.shard_count(); ++i) {
    ShardBox& box = rt.box(i);
    std::lock_guard box_lock(box.mu);
    api::SocketId id = box.sockets.open();
    auto r = box.sockets.bind(id, bound_);
    if (r) r = box.sockets.listen(id, listen_backlog_);
    if (!r) {
      (void)box.sockets.close(id, now());
      for (const auto& l : group->listening) {
        std::lock_guard other(l.box->mu);
        l.box->owners.erase(l.id.index);
        (void)l.box->sockets.close(l.id, now());
      }
      errno = to_errno(r.error());
      return false;
    }
    box.owners[id.index] = group.get();
    group->listening.push_back({&box, id});
  }
  group->members.push_back(this);
  groups()[key] = group;
  SharedRegistry::get().listen(bound_.port, rt.slot());
  group_ = std::move(group);
  replay_options(fd);
  return true;
}

void Socket::inherit_from(int listener_fd, const Socket& listener, int fd) {
  // Linux clones the listener into the accepted socket (sk_clone_lock):
  // every option the application set on the listener carries over.
  for (auto [level, name] : listener.options_set_) {
    unsigned char value[64];
    socklen_t len = sizeof value;
    if (libc().getsockopt(listener_fd, level, name, value, &len) != 0) continue;
    if (level == SOL_SOCKET && (name == SO_RCVBUF || name == SO_SNDBUF) && len == sizeof(int)) {
      int v;
      std::memcpy(&v, value, sizeof v);
      v /= 2;  // getsockopt reports what setsockopt doubled
      std::memcpy(value, &v, sizeof v);
    }
    (void)libc().setsockopt(fd, level, name, value, len);
  }
  options_set_ = listener.options_set_;
  corked_ = listener.corked_;
  buffers_set_ = listener.buffers_set_;
  rcvtimeo_ = listener.rcvtimeo_;
  sndtimeo_ = listener.sndtimeo_;
  rcvlowat_ = listener.rcvlowat_;
}

int Socket::accept(int fd, sockaddr* addr, socklen_t* len, int flags) {
  if (mode() != Mode::Percore || !listener_) return libc().accept4(fd, addr, len, flags);
  if ((flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) != 0) return fail(EINVAL);
  Runtime& rt = Runtime::get();
  // The stack may start here (a listener materialises where first waited
  // on): a signal meanwhile interrupts this accept, as it would Linux's.
  // SA_RESTART handlers restart it (without SO_RCVTIMEO), as in the wait below.
  const SignalWatch signals(rcvtimeo_ == Duration::zero());
  std::shared_ptr<ListenGroup> group;
  const unsigned generation = listen_generation_.load(std::memory_order_acquire);
  {
    std::lock_guard lock(mu_);
    materialize(fd);
    group = group_;
  }
  int result = -1;
  int error = 0;
  auto stopped = [&] { return listen_generation_.load(std::memory_order_acquire) != generation; };
  auto try_accept = [&]() -> bool {
    if (stopped()) {
      error = EINVAL;  // shutdown() stopped the listener (Linux: EINVAL)
      return true;
    }
    // The stack's queues first (the home shard's, then the others'), then
    // the kernel's (local connections to an INADDR_ANY listener).
    const auto no_listeners = std::vector<ListenGroup::Listening>{};
    for (const auto& l : group ? group->listening : no_listeners) {
      {
        std::lock_guard lock(l.box->mu);
        if ((l.box->sockets.events(l.id) & kReadable) == 0) continue;
      }
      // The fd first, as Linux takes it before dequeuing: at RLIMIT_NOFILE
      // accept fails with EMFILE and the connection stays queued.
      const int placeholder =
          libc().socket(AF_INET, SOCK_STREAM | (flags & (SOCK_NONBLOCK | SOCK_CLOEXEC)), 0);
      if (placeholder < 0) {
        error = errno;
        return true;
      }
      std::unique_lock lock(l.box->mu);
      const Instant t = now();
      auto id = l.box->sockets.accept(l.id, t);
      if (!id) {
        lock.unlock();
        libc().close(placeholder);
        continue;
      }
      auto remote = l.box->sockets.remote(*id);
      auto socket = std::make_shared<Socket>(*l.box, *id, (flags & SOCK_NONBLOCK) != 0);
      l.box->after_call_locked(t);
      lock.unlock();
      socket->inherit_from(fd, *this, placeholder);
      // Linux copies the address after accepting: a bad pointer gives
      // EFAULT and the connection is closed, not requeued.
      const api::Endpoint peer = remote ? *remote : api::Endpoint{};
      if (!write_endpoint(peer, addr, len)) {
        libc().close(placeholder);
        socket.reset();
        error = EFAULT;
        return true;
      }
      FdTable::get().set(placeholder, std::move(socket));
      result = placeholder;
      return true;
    }
    if (kernel_listening_) {
      const int k = libc().accept4(fd, addr, len, flags);
      if (k >= 0) {
        result = k;
        return true;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        error = errno;
        return true;
      }
    }
    return false;
  };
  if (nonblocking_.load(std::memory_order_relaxed)) {
    // An event loop that accepts on readiness: it can take another
    // connection as soon as its queue is empty (preload/shared.h).
    const bool got = try_accept();
    if (rt.shares_device() && (!got || (result >= 0 && (stack_events() & kReadable) == 0)))
      rt.accept_found_empty(bound_.port);
    return got ? (result >= 0 ? result : fail(error)) : fail(EAGAIN);
  }
  if (try_accept()) return result >= 0 ? result : fail(error);
  if (signals.fired()) return fail(EINTR);
  const AcceptWaiting waiting(bound_.port);
  pollfd kernel{fd, POLLIN, 0};
  std::span<pollfd> kernel_fds;
  if (kernel_listening_) kernel_fds = {&kernel, 1};
  for (;;) {
    const WaitResult w =
        rt.wait([&] { return stopped() || (stack_events() & kReadable) != 0; }, deadline(true),
                kernel_fds, rcvtimeo_ == Duration::zero());
    if (try_accept()) return result >= 0 ? result : fail(error);
    if (w == WaitResult::Interrupted) return fail(EINTR);
    if (w == WaitResult::TimedOut) return fail(EAGAIN);
  }
}

int Socket::connect(int fd, const sockaddr* addr, socklen_t len) {
  Runtime& rt = Runtime::get();
  // A signal that arrives while the stack starts interrupts this connect,
  // as it would interrupt Linux's (the wait below counts from its start).
  const SignalWatch signals;
  std::unique_lock lock(mu_);
  if (mode() == Mode::Kernel || (mode() == Mode::Percore && listener_)) {
    lock.unlock();
    if (mode() == Mode::Percore) return fail(EISCONN);  // Linux: connect on a listener
    return libc().connect(fd, addr, len);
  }
  sa_family_t family = AF_INET;
  if (addr != nullptr && len >= static_cast<socklen_t>(sizeof family) &&
      read_user(&family, &addr->sa_family, sizeof family) && family == AF_UNSPEC) {
    // Linux's tcp_disconnect(): the connection goes (RST where one is due)
    // and the socket may connect again. Undecided: the kernel's, as is.
    if (mode() != Mode::Percore || box_ == nullptr) return libc().connect(fd, addr, len);
    {
      std::unique_lock<std::mutex> box_lock;
      ShardBox& box = *lock_box(box_lock);
      const Instant t = now();
      box.owners.erase(id_.index);
      (void)box.sockets.abort(id_, t);
      box.after_call_locked(t);
      box_ = nullptr;
    }
    connect_reported_ = false;
    mode_.store(Mode::Undecided, std::memory_order_release);
    return 0;
  }
  if (mode() == Mode::Percore) {
    std::unique_lock<std::mutex> box_lock;
    ShardBox& box = *lock_box(box_lock);
    if (auto e = box.sockets.take_error(id_); e && *e) return fail(**e);
    const tcp::State s = box.sockets.info(id_)->state;
    if (tcp::is_synchronized(s)) {
      // Linux: the first connect() after a non-blocking one completed
      // reports success; later ones EISCONN.
      if (!connect_reported_) {
        connect_reported_ = true;
        return 0;
      }
      return fail(EISCONN);
    }
    if (s != tcp::State::Closed) return fail(EALREADY);
    // The last attempt failed and its error was read: Linux starts afresh.
    box.owners.erase(id_.index);
    (void)box.sockets.close(id_, now());
    box_ = nullptr;
    box_lock.unlock();
  }
  auto remote = endpoint_of(addr, len);
  const wire::Ipv4Cidr ours = rt.address();
  const config::Config* c = rt.config();
  const bool reachable = remote && !remote->ip.is_loopback() && !remote->ip.is_any() &&
                         c != nullptr && (ours.contains(remote->ip) || c->gw.has_value());
  if (!reachable || (mode() != Mode::Percore && !become_percore())) {
    // A stack that could not start in a forked child: ENETDOWN, as before.
    if (reachable && rt.can_serve()) return -1;
    // Loopback, an unreachable destination, a bad argument, or a process
    // the stack cannot run in (said once): the kernel's.
    lock.unlock();
    const int rc = libc().connect(fd, addr, len);
    if (rc == 0 || errno == EINPROGRESS) become_kernel(fd);
    return rc;
  }
  ShardBox& box = rt.home();
  {
    std::lock_guard box_lock(box.mu);
    const Instant t = now();
    api::SocketId id = box.sockets.open();
    if (bound_.port != 0) {
      if (auto r = box.sockets.bind(id, bound_); !r) {
        (void)box.sockets.close(id, t);
        return fail(r.error());
      }
    }
    auto r = box.sockets.connect(id, *remote, t);
    if (!r && r.error() != Errc::InProgress) {
      (void)box.sockets.close(id, t);
      return fail(r.error());
    }
    box_ = &box;
    id_ = id;
    box.owners[id.index] = this;
    box.after_call_locked(t);
  }
  replay_options(fd);
  lock.unlock();
  if (nonblocking_.load(std::memory_order_relaxed)) return fail(EINPROGRESS);
  if (signals.fired()) return fail(EINTR);
  auto done = [&] { return (stack_events() & (kConnected | kError | kHup)) != 0; };
  const WaitResult w = rt.wait(done, deadline(false), {}, false);
  if (w == WaitResult::Interrupted) return fail(EINTR);
  if (w == WaitResult::TimedOut) return fail(EINPROGRESS);
  std::unique_lock<std::mutex> box_lock;
  if (auto e = lock_box(box_lock)->sockets.take_error(id_); e && *e) return fail(**e);
  connect_reported_ = true;
  return 0;
}

ssize_t Socket::recv(int fd, std::span<const iovec> iov, int flags, sockaddr* from,
                     socklen_t* from_len) {
  if (mode() != Mode::Percore) {
    // The kernel's, arguments and all (a bad address length is its EFAULT).
    if (from_len != nullptr && iov.size() == 1)
      return libc().recvfrom(fd, iov[0].iov_base, iov[0].iov_len, flags, from, from_len);
    msghdr msg{};
    msg.msg_name = from;
    msg.msg_namelen = 0;
    msg.msg_iov = const_cast<iovec*>(iov.data());
    msg.msg_iovlen = iov.size();
    const ssize_t n = libc().recvmsg(fd, &msg, flags);
    if (n >= 0 && from_len != nullptr) *from_len = msg.msg_namelen;
    return n;
  }
  if (box_ == nullptr) return fail(ENOTCONN);  // a listener
  if (flags & MSG_OOB) return fail(EINVAL);      // no urgent data, as Linux says
  if (Runtime::get().forked_away()) {
    const socklen_t none = 0;
    if (from_len != nullptr && !write_user(from_len, &none, sizeof none)) return fail(EFAULT);
    return fork_proxy::recv(this, iov, flags, nonblocking_.load(std::memory_order_relaxed));
  }
  if (flags & MSG_ERRQUEUE) return fail(EAGAIN);
  const bool peek = (flags & MSG_PEEK) != 0;
  const bool dontwait = (flags & MSG_DONTWAIT) != 0 || nonblocking_.load(std::memory_order_relaxed);
  const bool waitall = (flags & MSG_WAITALL) != 0 && !peek && !dontwait;
  // Linux's tcp_recvmsg with MSG_TRUNC consumes (or peeks) the bytes
  // without copying them: the buffer may be NULL.
  std::vector<std::uint8_t> discard;
  iovec discard_iov{};
  if (flags & MSG_TRUNC) {
    discard.resize(std::min<std::size_t>(total_length(iov), 256 * 1024));
    discard_iov = {discard.data(), discard.size()};
    iov = {&discard_iov, 1};
  } else if (!iov_ok(iov)) {
    return fail(EFAULT);
  }
  const std::size_t wanted = total_length(iov);
  // SO_RCVLOWAT: a blocking read returns once this much arrived (or less at
  // the end of the stream), as sock_rcvlowat() sets tcp_recvmsg's target.
  const std::size_t target =
      waitall ? wanted : peek ? 1 : std::min<std::size_t>(std::max(rcvlowat_, 1), wanted);
  follow_caller();
  std::size_t got = 0;
  // TCP reports no source address: recvfrom leaves it untouched, length 0.
  // The data path's pointers are range-checked only ("Bad pointers").
  if (from_len != nullptr) {
    if (!user_range_ok(from_len, sizeof *from_len)) return fail(EFAULT);
    *from_len = 0;
  }
  if (wanted == 0) return 0;

  // One pass over the iovecs; returns the bytes read or the error.
  auto pass = [&]() -> std::expected<std::size_t, Errc> {
    std::unique_lock<std::mutex> lock;
    ShardBox& box = *lock_box(lock);
    std::size_t n = 0;
    if (peek) {
      // Peeking reads from the start each time: peek into one buffer, then
      // scatter, so several iovecs see consecutive bytes.
      std::vector<std::uint8_t> tmp(wanted);
      auto r = box.sockets.recv(id_, tmp, api::RecvFlag::kPeek);
      if (!r) return std::unexpected(r.error());
      std::size_t off = 0;
      for (const iovec& v : iov) {
        const std::size_t k = std::min(v.iov_len, *r - off);
        std::memcpy(v.iov_base, tmp.data() + off, k);
        off += k;
        if (off == *r) break;
      }
      return *r;
    }
    std::size_t skip = got;  // resume after what earlier passes filled
    for (const iovec& v : iov) {
      if (skip >= v.iov_len) {
        skip -= v.iov_len;
        continue;
      }
      std::span<std::uint8_t> out(static_cast<std::uint8_t*>(v.iov_base) + skip, v.iov_len - skip);
      skip = 0;
      auto r = box.sockets.recv(id_, out);
      if (!r) {
        if (n > 0) break;
        return std::unexpected(r.error());
      }
      n += *r;
      if (*r < out.size()) break;
    }
    if (n > 0) box.after_call_locked(now());  // window updates
    return n;
  };

  Runtime& rt = Runtime::get();
  const std::optional<Instant> until = dontwait ? std::nullopt : deadline(true);
  for (;;) {
    auto r = pass();
    if (r) {
      got += *r;
      if (*r == 0 || got >= target) return static_cast<ssize_t>(got);
    } else if (r.error() != Errc::WouldBlock) {
      if (got > 0) return static_cast<ssize_t>(got);
      return fail(r.error());
    }
    if (dontwait) return got > 0 ? static_cast<ssize_t>(got) : fail(EAGAIN);
    auto readable = [&] { return (stack_events() & (kReadable | kError | kHup | kReadHup)) != 0; };
    const WaitResult w = rt.wait(readable, until, {}, rcvtimeo_ == Duration::zero());
    if (w == WaitResult::Interrupted)
      return got > 0 ? static_cast<ssize_t>(got) : fail(EINTR);
    if (w == WaitResult::TimedOut)
      return got > 0 ? static_cast<ssize_t>(got) : fail(EAGAIN);
  }
}

ssize_t Socket::send(int fd, std::span<const iovec> iov, int flags) {
  if (mode() != Mode::Percore) {
    msghdr msg{};
    msg.msg_iov = const_cast<iovec*>(iov.data());
    msg.msg_iovlen = iov.size();
    return libc().sendmsg(fd, &msg, flags);
  }
  auto broken_pipe = [&]() -> ssize_t {
    if ((flags & MSG_NOSIGNAL) == 0) raise_sigpipe();
    return fail(EPIPE);
  };
  if (box_ == nullptr) return broken_pipe();  // a listener: Linux says EPIPE
  if (flags & MSG_OOB) return fail(EOPNOTSUPP);
  if (Runtime::get().forked_away())
    return fork_proxy::send(this, iov, flags, nonblocking_.load(std::memory_order_relaxed));
  const bool dontwait = (flags & MSG_DONTWAIT) != 0 || nonblocking_.load(std::memory_order_relaxed);
  const bool more = (flags & MSG_MORE) != 0;
  if (!iov_ok(iov)) return fail(EFAULT);
  const std::size_t wanted = total_length(iov);
  follow_caller();
  std::size_t sent = 0;

  auto pass = [&]() -> std::expected<std::size_t, Errc> {
    std::unique_lock<std::mutex> lock;
    ShardBox& box = *lock_box(lock);
    const Instant t = now();
    // MSG_MORE: hold a partial segment back, as TCP_CORK does, until a send
    // without it (Linux's tcp_sendmsg with MSG_MORE).
    if (more && !corked_ && !more_corked_) {
      (void)box.sockets.set_option(id_, api::Option::Cork, 1, t);
      more_corked_ = true;
    }
    std::size_t n = 0;
    std::size_t skip = sent;
    std::optional<Errc> error;
    for (const iovec& v : iov) {
      if (skip >= v.iov_len) {
        skip -= v.iov_len;
        continue;
      }
      std::span<const std::uint8_t> in(static_cast<const std::uint8_t*>(v.iov_base) + skip,
                                       v.iov_len - skip);
      skip = 0;
      auto r = box.sockets.send(id_, in);
      if (!r) {
        error = r.error();
        break;
      }
      n += *r;
      if (*r < in.size()) break;
    }
    // Only a send after MSG_MORE uncorks: a plain send touches no option.
    if (!more && more_corked_) {
      if (!corked_) (void)box.sockets.set_option(id_, api::Option::Cork, 0, t);
      more_corked_ = false;
    }
    box.after_call_locked(t);
    if (n == 0 && error) return std::unexpected(*error);
    return n;
  };

  Runtime& rt = Runtime::get();
  const std::optional<Instant> until = dontwait ? std::nullopt : deadline(false);
  if (wanted == 0) {
    auto r = pass();
    if (!r && r.error() == Errc::Shutdown) return broken_pipe();
    return r ? 0 : fail(r.error());
  }
  for (;;) {
    auto r = pass();
    if (r) {
      sent += *r;
      if (sent == wanted) return static_cast<ssize_t>(sent);
    } else if (r.error() != Errc::WouldBlock) {
      if (sent > 0) return static_cast<ssize_t>(sent);
      if (r.error() == Errc::Shutdown) return broken_pipe();
      return fail(r.error());
    }
    if (dontwait) return sent > 0 ? static_cast<ssize_t>(sent) : fail(EAGAIN);
    auto writable = [&] { return (stack_events() & (kWritable | kError | kHup)) != 0; };
    const WaitResult w = rt.wait(writable, until, {}, sndtimeo_ == Duration::zero());
    if (w == WaitResult::Interrupted) return sent > 0 ? static_cast<ssize_t>(sent) : fail(EINTR);
    if (w == WaitResult::TimedOut) return sent > 0 ? static_cast<ssize_t>(sent) : fail(EAGAIN);
  }
}

int Socket::shutdown(int fd, int how) {
  if (mode() != Mode::Percore) return libc().shutdown(fd, how);
  if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) return fail(EINVAL);
  if (Runtime::get().forked_away() && connection()) return fork_proxy::shutdown(this, how);
  if (box_ == nullptr) {
    // Linux's inet_shutdown(): SHUT_RD (or RDWR) stops a listener
    // (tcp_disconnect), which keeps its port and may listen again; a thread
    // blocked in accept() wakes with EINVAL. SHUT_WR does nothing.
    if (how == SHUT_WR || !listener_) return 0;
    std::lock_guard lock(mu_);
    if (kernel_listening_) {
      libc().shutdown(fd, SHUT_RD);
      const int flags = libc().fcntl(fd, F_GETFL);
      const bool nb = nonblocking_.load(std::memory_order_relaxed);
      libc().fcntl(fd, F_SETFL, nb ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
    }
    leave_group();
    release_listen();
    listener_ = false;
    kernel_listening_ = false;
    mode_.store(Mode::Undecided, std::memory_order_release);
    listen_generation_.fetch_add(1, std::memory_order_acq_rel);
    Runtime& rt = Runtime::get();
    for (std::size_t i = 0; rt.started() && i < rt.shard_count(); ++i) rt.box(i).wake();
    return 0;
  }
  std::unique_lock<std::mutex> lock;
  ShardBox* box = lock_box(lock);
  const Instant t = now();
  auto r = box->sockets.shutdown(
      id_, how == SHUT_RD ? api::Shutdown::Read : how == SHUT_WR ? api::Shutdown::Write : api::Shutdown::Both, t);
  box->after_call_locked(t);
  return r ? 0 : fail(r.error());
}

int Socket::getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
  if (mode() != Mode::Percore) return libc().getsockopt(fd, level, name, value, len);
  // Let the kernel validate the arguments (EFAULT, EINVAL, ENOPROTOOPT) and
  // answer what percore mirrors; then overwrite what only percore knows.
  const int rc = libc().getsockopt(fd, level, name, value, len);
  if (rc != 0) return rc;
  auto put_int = [&](int v) {
    if (*len >= static_cast<socklen_t>(sizeof(int))) std::memcpy(value, &v, sizeof v);
    return 0;
  };
  if (level == SOL_SOCKET && name == SO_ERROR) {
    if (box_ == nullptr) return put_int(0);
    std::unique_lock<std::mutex> lock;
    ShardBox* box = lock_box(lock);
    auto e = box->sockets.take_error(id_);
    return put_int(e && *e ? to_errno(**e) : 0);
  }
  if (level == SOL_SOCKET && name == SO_ACCEPTCONN) return put_int(listener_ ? 1 : 0);
  if (level == IPPROTO_TCP && name == TCP_MAXSEG && box_ != nullptr) {
    std::unique_lock<std::mutex> lock;
    ShardBox* box = lock_box(lock);
    auto info = box->sockets.info(id_);
    if (info && info->mss != 0) return put_int(static_cast<int>(info->mss));
    return 0;
  }
  if (level == IPPROTO_TCP && name == TCP_INFO) {
    tcp_info ti{};
    if (box_ != nullptr) {
      std::unique_lock<std::mutex> lock;
      ShardBox* box = lock_box(lock);
      auto info = box->sockets.info(id_);
      if (info) {
        static constexpr std::uint8_t kLinuxState[] = {
            TCP_CLOSE,     TCP_LISTEN,    TCP_SYN_SENT,   TCP_SYN_RECV,
            TCP_ESTABLISHED, TCP_FIN_WAIT1, TCP_FIN_WAIT2, TCP_CLOSE_WAIT,
            // TIME-WAIT is Linux's timewait socket's; the application's is CLOSE.
            TCP_CLOSING,   TCP_LAST_ACK,  TCP_CLOSE};
        ti.tcpi_state = kLinuxState[static_cast<int>(info->state)];
        if (info->timestamps) ti.tcpi_options |= TCPI_OPT_TIMESTAMPS;
        if (info->sack) ti.tcpi_options |= TCPI_OPT_SACK;
        if (info->window_scaling) ti.tcpi_options |= TCPI_OPT_WSCALE;
        ti.tcpi_snd_wscale = info->snd_wscale;
        ti.tcpi_rcv_wscale = info->rcv_wscale;
        auto us = [](Duration d) {
          return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
        };
        ti.tcpi_rto = us(info->rto);
        ti.tcpi_rtt = us(info->rtt);
        ti.tcpi_rttvar = us(info->rttvar);
        ti.tcpi_snd_mss = info->mss;
        ti.tcpi_rcv_mss = info->mss;
        if (info->mss != 0) {
          ti.tcpi_snd_cwnd = info->snd_cwnd / info->mss;
          ti.tcpi_snd_ssthresh = info->snd_ssthresh / info->mss;
          ti.tcpi_unacked = info->unacked / info->mss;
        }
        ti.tcpi_rcv_space = info->rcv_space;
        ti.tcpi_total_retrans = static_cast<std::uint32_t>(info->counters.retransmits);
      }
    } else if (listener_) {
      ti.tcpi_state = TCP_LISTEN;
    }
    std::memcpy(value, &ti, std::min<std::size_t>(*len, sizeof ti));
    *len = std::min<socklen_t>(*len, sizeof ti);
    return 0;
  }
  return 0;
}

int Socket::setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  // The placeholder takes every option first: the kernel validates it and
  // getsockopt() reads it back exactly as Linux would report it.
  const int rc = libc().setsockopt(fd, level, name, value, len);
  if (rc != 0 || mode() == Mode::Kernel) return rc;
  {
    std::lock_guard lock(mu_);
    if (std::find(options_set_.begin(), options_set_.end(), std::pair{level, name}) ==
        options_set_.end())
      options_set_.emplace_back(level, name);
  }
  if (level == SOL_SOCKET && name == SO_RCVLOWAT) rcvlowat_ = kernel_int_option(fd, level, name);
  if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
    timeval tv{};
    std::memcpy(&tv, value, std::min<std::size_t>(len, sizeof tv));
    const Duration d = std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
    (name == SO_RCVTIMEO ? rcvtimeo_ : sndtimeo_) = d;
    return 0;
  }
  if (level == SOL_SOCKET && (name == SO_RCVBUF || name == SO_SNDBUF)) buffers_set_ = true;
  if (level == IPPROTO_TCP && name == TCP_CORK && len >= static_cast<socklen_t>(sizeof(int))) {
    int v;
    std::memcpy(&v, value, sizeof v);
    corked_ = v != 0;
  }
  if (mode() != Mode::Percore) return 0;
  if (level == SOL_SOCKET && name == SO_LINGER && box_ != nullptr) {
    linger l{};
    std::memcpy(&l, value, std::min<std::size_t>(len, sizeof l));
    std::unique_lock<std::mutex> lock;
    ShardBox* box = lock_box(lock);
    (void)box->sockets.set_option(id_, api::Option::LingerSec, l.l_onoff ? l.l_linger : -1, now());
    return 0;
  }
  if (len >= static_cast<socklen_t>(sizeof(int))) {
    int v;
    std::memcpy(&v, value, sizeof v);
    apply_option(level, name, v);
  }
  return 0;
}

int Socket::getsockname(int fd, sockaddr* addr, socklen_t* len) {
  if (mode() != Mode::Percore) {
    return libc().getsockname(fd, addr, len);
  }
  if (libc().getsockname(fd, addr, len) != 0) return -1;  // EFAULT, EINVAL as Linux
  api::Endpoint local = bound_;
  if (box_ != nullptr) {
    std::unique_lock<std::mutex> lock;
    ShardBox* box = lock_box(lock);
    if (auto l = box->sockets.local(id_)) local = *l;
  }
  return write_endpoint(local, addr, len) ? 0 : fail(EFAULT);
}

int Socket::getpeername(int fd, sockaddr* addr, socklen_t* len) {
  if (mode() != Mode::Percore || box_ == nullptr) return libc().getpeername(fd, addr, len);
  if (addr == nullptr || len == nullptr) return fail(EFAULT);
  socklen_t room;
  if (!read_user(&room, len, sizeof room)) return fail(EFAULT);
  if (static_cast<int>(room) < 0) return fail(EINVAL);
  std::optional<api::Endpoint> remote;
  {
    std::unique_lock<std::mutex> lock;
    ShardBox* box = lock_box(lock);
    if (auto r = box->sockets.remote(id_)) remote = *r;
  }
  if (!remote) return fail(ENOTCONN);
  return write_endpoint(*remote, addr, len) ? 0 : fail(EFAULT);
}

int Socket::ioctl(int fd, unsigned long request, void* arg) {
  if (mode() != Mode::Percore) {
    const int rc = libc().ioctl(fd, request, arg);
    if (rc == 0 && request == FIONBIO) {
      int on;
      std::memcpy(&on, arg, sizeof on);
      nonblocking_.store(on != 0, std::memory_order_relaxed);
    }
    return rc;
  }
  switch (request) {
    case FIONBIO: {
      int on;
      if (!read_user(&on, arg, sizeof on)) return fail(EFAULT);
      nonblocking_.store(on != 0, std::memory_order_relaxed);
      if (!kernel_listening_) libc().ioctl(fd, request, arg);
      return 0;
    }
    case FIONREAD:  // SIOCINQ
    case SIOCOUTQ: {
      if (box_ == nullptr) return fail(EINVAL);  // Linux: EINVAL on a listener
      int v;
      {
        std::unique_lock<std::mutex> lock;
        ShardBox* box = lock_box(lock);
        auto n = request == FIONREAD ? box->sockets.readable(id_) : box->sockets.unsent(id_);
        v = n ? static_cast<int>(*n) : 0;
      }
      return write_user(arg, &v, sizeof v) ? 0 : fail(EFAULT);
    }
  }
  return libc().ioctl(fd, request, arg);
}

int Socket::get_status_flags(int fd) {
  const int flags = libc().fcntl(fd, F_GETFL);
  if (flags < 0 || mode() != Mode::Percore) return flags;
  return nonblocking_.load(std::memory_order_relaxed) ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
}

int Socket::set_status_flags(int fd, int flags) {
  if (mode() != Mode::Percore) {
    const int rc = libc().fcntl(fd, F_SETFL, flags);
    if (rc == 0) nonblocking_.store((flags & O_NONBLOCK) != 0, std::memory_order_relaxed);
    return rc;
  }
  nonblocking_.store((flags & O_NONBLOCK) != 0, std::memory_order_relaxed);
  return libc().fcntl(fd, F_SETFL, kernel_listening_ ? flags | O_NONBLOCK : flags);
}

}  // namespace percore::preload
