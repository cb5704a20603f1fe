#include "preload/epoll.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <vector>

#include "preload/libc.h"
#include "preload/runtime.h"
#include "preload/socket.h"
#include "preload/user_memory.h"

namespace percore::preload {
namespace {

int fail(int e) {
  errno = e;
  return -1;
}

// Linux reports these whether or not they were asked for.
constexpr std::uint32_t kAlways = EPOLLERR | EPOLLHUP;

// Applies a signal mask for the duration of a wait (epoll_pwait, ppoll,
// pselect); not atomic with the wait as the kernel's is, but a signal
// unblocked here still interrupts the wait through the runtime's counter.
// A signal that was pending and blocked runs its handler as the mask is
// applied, before the wait starts: `delivered()` says so, and the wait then
// ends with EINTR unless something is ready, as the kernel's does.
class ScopedSigmask {
 public:
  explicit ScopedSigmask(const sigset_t* mask) : active_(mask != nullptr) {
    if (!active_) return;
    // The kernel reads its 8 bytes of the mask, EFAULT where it cannot;
    // pthread_sigmask would read them in user space.
    sigset_t copy;
    sigemptyset(&copy);
    if (!read_user(&copy, mask, kKernelSigsetBytes)) {
      active_ = false;
      bad_ = true;
      return;
    }
    const SignalWatch signals;
    pthread_sigmask(SIG_SETMASK, &copy, &saved_);
    delivered_ = signals.fired();
  }
  ~ScopedSigmask() {
    if (active_) pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
  }
  bool delivered() const { return delivered_; }
  bool bad() const { return bad_; }  // a mask the kernel could not read: EFAULT

 private:
  static constexpr std::size_t kKernelSigsetBytes = _NSIG / 8;
  bool active_;
  bool bad_ = false;
  bool delivered_ = false;
  sigset_t saved_{};
};

// Linux's EPOLLEXCLUSIVE_OK_BITS: what may accompany EPOLLEXCLUSIVE.
constexpr std::uint32_t kExclusiveOk = EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLRDBAND |
                                       EPOLLWRNORM | EPOLLWRBAND | EPOLLERR | EPOLLHUP |
                                       EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;

// What is left of `deadline` for a kernel call: nullptr for none (wait
// for ever), else `out` (zero once it passed).
const timespec* time_left(std::optional<Instant> deadline, timespec& out) {
  if (!deadline) return nullptr;
  const auto left = std::max(Duration::zero(), *deadline - now());
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(left);
  out.tv_sec = secs.count();
  out.tv_nsec = (left - secs).count();
  return &out;
}

// Whether the application's array at `p` can be written, as the kernel's
// copy to it would find: checked by writing its own bytes back
// (process_vm_writev), once per thread and array, since a program passes
// the same array to every epoll_wait.
bool writable_once(void* p, std::size_t n) {
  thread_local void* checked = nullptr;
  thread_local std::size_t checked_len = 0;
  if (p == checked && n <= checked_len) return true;
  unsigned char chunk[4096];
  for (std::size_t off = 0; off < n; off += sizeof chunk) {
    const std::size_t k = std::min(sizeof chunk, n - off);
    auto* at = static_cast<unsigned char*>(p) + off;
    if (!read_user(chunk, at, k) || !write_user(at, chunk, k)) return false;
  }
  checked = p;
  checked_len = n;
  return true;
}

// epoll_pwait2 with what is left of `deadline`, or epoll_pwait with it in
// milliseconds rounded up where the kernel has no epoll_pwait2.
int kernel_wait(int epfd, epoll_event* events, int max, std::optional<Instant> deadline,
                const sigset_t* mask) {
  static std::atomic<bool> no_pwait2{false};
  if (!no_pwait2.load(std::memory_order_relaxed)) {
    timespec left{};
    const int k = libc().epoll_pwait2(epfd, events, max, time_left(deadline, left), mask);
    if (k >= 0 || errno != ENOSYS) return k;
    no_pwait2.store(true, std::memory_order_relaxed);
  }
  int timeout_ms = -1;
  if (deadline) {
    const auto left = std::max(Duration::zero(), *deadline - now());
    timeout_ms = static_cast<int>(std::min<std::int64_t>(
        INT_MAX, std::chrono::ceil<std::chrono::milliseconds>(left).count()));
  }
  return libc().epoll_pwait(epfd, events, max, timeout_ms, mask);
}

// The kernel's poll for a set without percore fds: what is left of the
// deadline each time, EINTR only for a handler that ran on this thread.
int kernel_poll(pollfd* fds, nfds_t n, std::optional<Instant> deadline, const sigset_t* mask) {
  const SignalWatch signals;
  for (;;) {
    timespec left{};
    const int r = libc().ppoll(fds, n, time_left(deadline, left), mask);
    if (r >= 0 || errno != EINTR || signals.fired()) return r;
  }
}

// The size of this process's fd table (/proc/self/status FDSize), which
// select(2) clamps nfds to; it only grows, so a cached value is exact
// until nfds goes above it (and again after a fork, whose child's table
// may be smaller).
int fd_table_size(int at_least) {
  static std::atomic<int> cached{0};
  static std::atomic<pid_t> cached_pid{0};
  const pid_t pid = getpid();
  if (cached_pid.load(std::memory_order_relaxed) == pid && at_least <= cached.load(std::memory_order_relaxed))
    return cached.load(std::memory_order_relaxed);
  int size = at_least;
  if (FILE* f = std::fopen("/proc/self/status", "re")) {
    char line[256];
    while (std::fgets(line, sizeof line, f) != nullptr)
      if (std::sscanf(line, "FDSize: %d", &size) == 1) break;
    std::fclose(f);
  }
  cached.store(size, std::memory_order_relaxed);
  cached_pid.store(pid, std::memory_order_relaxed);
  return size;
}

// What the kernel reports a kernel fd's registration by: the generation
// tells a registration from an earlier one of the same fd number (a file
// closed without EPOLL_CTL_DEL, whose registration the kernel dropped).
std::uint64_t kernel_token(std::uint32_t generation, int fd) {
  return (std::uint64_t{generation} << 32) | static_cast<std::uint32_t>(fd);
}

// A percore watch's mirror in the kernel set (preload/epoll.h) is told from
// a kernel fd's registration by this bit of its generation.
constexpr std::uint32_t kMirror = 0x8000'0000u;

// A harvest's view of a ready watch, copied under the set's lock: the
// watch itself may be deleted by another thread while it is evaluated.
struct Candidate {
  Watch* w;
  int fd;
  bool kernel;
  std::uint32_t interest;
  epoll_data_t data;
  std::uint32_t kernel_bits;  // a kernel fd's events (0: not ready)
  std::shared_ptr<File> file;  // a percore fd's file
};

}  // namespace

void File::add_watch(Watch* w) {
  std::lock_guard lock(watch_mu_);
  watches_.push_back(w);
}

void File::remove_watch(Watch* w) {
  std::lock_guard lock(watch_mu_);
  std::erase(watches_, w);
}

void File::notify_watchers() {
  std::lock_guard lock(watch_mu_);
  for (Watch* w : watches_) w->set->queue(w);
}

void File::detach_watches() {
  std::vector<Watch*> watches;
  {
    std::lock_guard lock(watch_mu_);
    watches.swap(watches_);
  }
  for (Watch* w : watches) w->set->forget(w);
}

EpollSet::~EpollSet() {
  detach_watches();
  std::vector<std::unique_ptr<Watch>> watches;
  {
    std::lock_guard lock(mu_);
    for (auto& [fd, w] : watches_) watches.push_back(std::move(w));
    watches_.clear();
    ready_.clear();
  }
  for (auto& w : watches)
    if (auto f = w->file.lock()) f->remove_watch(w.get());
}

void EpollSet::queue(Watch* w) {
  {
    std::lock_guard lock(mu_);
    if (w->queued || w->disarmed) return;
    w->queued = true;
    ready_.push_back(w);
  }
  // An epoll set inside another: its readiness changed too.
  notify_watchers();
}

void EpollSet::forget(Watch* w) {
  std::lock_guard lock(mu_);
  std::erase(ready_, w);
  for (auto it = watches_.begin(); it != watches_.end(); ++it) {
    if (it->second.get() == w) {
      watches_.erase(it);
      return;
    }
  }
}

int EpollSet::ctl(int op, int fd, epoll_event* event) {
  auto file = FdTable::get().find(fd);
  if (!file) return kernel_ctl(op, fd, event);
  if (file.get() == this) return fail(EINVAL);
  if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD && op != EPOLL_CTL_DEL) return fail(EINVAL);
  epoll_event wanted{};
  if (op != EPOLL_CTL_DEL) {
    // Linux copies the event in before anything else.
    if (event == nullptr || !read_user(&wanted, event, sizeof wanted)) return fail(EFAULT);
    // Linux: EPOLLEXCLUSIVE is for ADD only, with the bits above, and never
    // on an epoll file.
    if (wanted.events & EPOLLEXCLUSIVE) {
      if (op == EPOLL_CTL_MOD) return fail(EINVAL);
      if ((wanted.events & ~kExclusiveOk) || file->kind() == Kind::Epoll) return fail(EINVAL);
    }
  }
  // What the kernel must see of this file: an epoll set's own kernel set
  // (its kernel fds' readiness, and through it a whole nest of sets, whose
  // loops and depth the kernel then refuses with its own ELOOP), or the
  // placeholder of a listener that listens on the kernel too.
  const bool nested = file->kind() == Kind::Epoll;
  const bool listening =
      file->kind() == Kind::Socket && static_cast<Socket&>(*file).kernel_listening();
  auto mirror_events = [&](std::uint32_t interest) -> std::uint32_t {
    return nested ? EPOLLIN | (interest & EPOLLET) : EPOLLIN;
  };
  std::unique_lock lock(mu_);
  auto it = watches_.find(fd);
  switch (op) {
    case EPOLL_CTL_ADD: {
      if (it != watches_.end()) return fail(EEXIST);
      auto w = std::make_unique<Watch>();
      w->set = this;
      w->file = file;
      w->raw = file.get();
      w->fd = fd;
      w->interest = wanted.events;
      w->data = wanted.data;
      w->generation = (++generation_) | kMirror;
      if (nested || listening) {
        epoll_event k{mirror_events(wanted.events), {}};
        k.data.u64 = kernel_token(w->generation, fd);
        if (libc().epoll_ctl(kernel_fd_, EPOLL_CTL_ADD, fd, &k) != 0) return -1;  // ELOOP
        w->mirrored = true;
      }
      Watch* raw = w.get();
      watches_.emplace(fd, std::move(w));
      lock.unlock();
      file->add_watch(raw);
      queue(raw);  // evaluated at the next wait
      return 0;
    }
    case EPOLL_CTL_MOD: {
      if (it == watches_.end()) return fail(ENOENT);
      // Linux: an EPOLLEXCLUSIVE registration cannot be modified.
      if (it->second->interest & EPOLLEXCLUSIVE) return fail(EINVAL);
      Watch* w = it->second.get();
      if (w->mirrored && nested) {
        epoll_event k{mirror_events(wanted.events), {}};
        k.data.u64 = kernel_token(w->generation, fd);
        libc().epoll_ctl(kernel_fd_, EPOLL_CTL_MOD, fd, &k);
      }
      w->interest = wanted.events;
      w->data = wanted.data;
      w->disarmed = false;
      lock.unlock();
      queue(w);
      return 0;
    }
    case EPOLL_CTL_DEL: {
      if (it == watches_.end()) return fail(ENOENT);
      std::unique_ptr<Watch> w = std::move(it->second);
      watches_.erase(it);
      std::erase(ready_, w.get());
      if (w->mirrored) libc().epoll_ctl(kernel_fd_, EPOLL_CTL_DEL, fd, nullptr);
      lock.unlock();
      file->remove_watch(w.get());
      return 0;
    }
  }
  return fail(EINVAL);
}

int EpollSet::kernel_ctl(int op, int fd, epoll_event* event) {
  if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD && op != EPOLL_CTL_DEL)
    return libc().epoll_ctl(kernel_fd_, op, fd, event);  // the kernel's own error
  epoll_event wanted{};
  // Linux copies the event in before anything else.
  if (op != EPOLL_CTL_DEL && (event == nullptr || !read_user(&wanted, event, sizeof wanted)))
    return fail(EFAULT);
  std::lock_guard lock(mu_);
  auto it = kernel_watches_.find(fd);
  Watch* known = it != kernel_watches_.end() ? it->second.get() : nullptr;
  auto drop_known = [&] {
    std::erase(ready_, known);
    kernel_watches_.erase(it);
  };
  switch (op) {
    case EPOLL_CTL_ADD: {
      const std::uint32_t generation = ++generation_;
      epoll_event k{wanted.events, {}};
      k.data.u64 = kernel_token(generation, fd);
      if (libc().epoll_ctl(kernel_fd_, EPOLL_CTL_ADD, fd, &k) != 0) return -1;
      // The kernel took it, so a watch of ours for this fd number belongs
      // to a registration the kernel dropped when its file was closed.
      if (known != nullptr) drop_known();
      auto w = std::make_unique<Watch>();
      w->set = this;
      w->fd = fd;
      w->interest = wanted.events;
      w->data = wanted.data;
      w->kernel = true;
      w->generation = generation;
      kernel_watches_.emplace(fd, std::move(w));
      return 0;
    }
    case EPOLL_CTL_MOD: {
      epoll_event k{wanted.events, {}};
      k.data.u64 = kernel_token(known != nullptr ? known->generation : 0, fd);
      if (libc().epoll_ctl(kernel_fd_, EPOLL_CTL_MOD, fd, &k) != 0) return -1;
      if (known == nullptr) return 0;
      known->interest = wanted.events;
      known->data = wanted.data;
      // The kernel re-evaluates the fd and reports it afresh if ready; an
      // event it handed over before the change is stale.
      if (known->queued) {
        std::erase(ready_, known);
        known->queued = false;
      }
      return 0;
    }
    default: {
      const int rc = libc().epoll_ctl(kernel_fd_, EPOLL_CTL_DEL, fd, event);
      const int saved = errno;
      if (known != nullptr && (rc == 0 || saved == ENOENT)) drop_known();
      errno = saved;
      return rc;
    }
  }
}

Watch* EpollSet::kernel_watch(std::uint64_t token) {
  const std::uint32_t generation = static_cast<std::uint32_t>(token >> 32);
  const auto& map = (generation & kMirror) ? watches_ : kernel_watches_;
  auto it = map.find(static_cast<int>(token & 0xffffffffu));
  if (it == map.end() || it->second->generation != generation) return nullptr;
  return it->second.get();
}

void EpollSet::drain_kernel() {
  // All of the kernel's ready events, in its order, join the ready list
  // behind what is there. Level-triggered ones the kernel keeps (and
  // rotates): reading past them comes back to one seen in this round.
  constexpr int kBatch = 64;
  epoll_event ready[kBatch];
  std::lock_guard lock(mu_);
  const std::uint64_t round = ++harvests_;
  for (;;) {
    const int n = libc().epoll_wait(kernel_fd_, ready, kBatch, 0);
    bool wrapped = false;
    for (int i = 0; i < n; ++i) {
      Watch* w = kernel_watch(ready[i].data.u64);
      if (w == nullptr) continue;
      wrapped = wrapped || w->seen == round;
      w->seen = round;
      w->kernel_events = ready[i].events;
      // A mirror: the percore watch is then evaluated as its file says.
      if (!w->kernel && w->disarmed) continue;
      if (!w->queued) {
        w->queued = true;
        ready_.push_back(w);
      }
    }
    if (n < kBatch || wrapped) return;
  }
}

bool EpollSet::registered(const Watch* w) const {
  const auto& map = w->kernel ? kernel_watches_ : watches_;
  auto it = map.find(w->fd);
  return it != map.end() && it->second.get() == w;
}

void EpollSet::requeue(const std::vector<Watch*>& front, const std::vector<Watch*>& back) {
  std::lock_guard lock(mu_);
  // Watches that a concurrent ctl removed are gone from the maps; ones a
  // concurrent edge queued again stay where that put them.
  for (auto it = front.rbegin(); it != front.rend(); ++it) {
    Watch* w = *it;
    if (!registered(w) || w->queued || w->disarmed) continue;
    w->queued = true;
    ready_.push_front(w);
  }
  for (Watch* w : back) {
    if (!registered(w) || w->queued || w->disarmed) continue;
    w->queued = true;
    ready_.push_back(w);
  }
}

int EpollSet::harvest(epoll_event* events, int max, bool consume) {
  drain_kernel();
  // Take the candidates out and evaluate them without the set's lock (the
  // files take their shard's lock). As Linux's ep_send_events: what was
  // not reached goes back in front, what was reported and is
  // level-triggered goes behind, so that maxevents smaller than the ready
  // count rotates fairly.
  std::vector<Candidate> candidates;
  {
    std::lock_guard lock(mu_);
    candidates.reserve(ready_.size());
    for (Watch* w : ready_) {
      w->queued = false;
      Candidate c{w, w->fd, w->kernel, w->interest, w->data, 0, nullptr};
      if (w->kernel) {
        // Level-triggered: ready if this round's drain found it. The kernel
        // consumed an edge-triggered or one-shot event as it handed it
        // over; that event waits here until it is reported.
        const bool consumed = w->interest & (EPOLLET | EPOLLONESHOT);
        if (w->seen == harvests_ || consumed) c.kernel_bits = w->kernel_events;
      } else {
        c.file = w->file.lock();
        if (!c.file) continue;
      }
      candidates.push_back(std::move(c));
    }
    ready_.clear();
  }
  int n = 0;
  std::vector<Watch*> front, back, disarm;
  for (const Candidate& c : candidates) {
    if (n >= max) {
      front.push_back(c.w);
      continue;
    }
    const std::uint32_t bits =
        c.kernel ? c.kernel_bits
                 : c.file->poll_events(c.fd) &
                       ((c.interest & ~EPOLLET & ~EPOLLONESHOT & ~EPOLLEXCLUSIVE & ~EPOLLWAKEUP) |
                        kAlways);
    if (bits == 0) continue;
    if (!consume) {
      front.push_back(c.w);
      ++n;
      continue;
    }
    events[n].events = bits;
    events[n].data = c.data;
    ++n;
    if (c.interest & EPOLLONESHOT) {
      if (!c.kernel) disarm.push_back(c.w);  // the kernel disarms its own
    } else if (!(c.interest & EPOLLET)) {
      back.push_back(c.w);
    }
  }
  if (!disarm.empty()) {
    std::lock_guard lock(mu_);
    for (Watch* w : disarm)
      if (registered(w)) w->disarmed = true;
  }
  requeue(front, back);
  return n;
}

std::uint32_t EpollSet::poll_events(int) {
  // Readable when a member, percore's or the kernel's, is ready.
  epoll_event probe;
  return harvest(&probe, 1, false) > 0 ? POLLIN | POLLRDNORM : 0;
}

int EpollSet::wait(epoll_event* events, int max, std::optional<Instant> deadline,
                   const sigset_t* mask) {
  if (max <= 0 || max > static_cast<int>(INT_MAX / sizeof(epoll_event))) return fail(EINVAL);
  if (!user_range_ok(events, static_cast<std::size_t>(max) * sizeof(epoll_event)))
    return fail(EFAULT);
  bool percore_members;
  {
    std::lock_guard lock(mu_);
    percore_members = !watches_.empty() || !ready_.empty();
  }
  Runtime& rt = Runtime::get();
  if (!percore_members) {
    // Nothing of percore's to watch: the kernel's wait (DPDK's own interrupt
    // thread waits this way too), with the application's data for our tokens.
    // What is left of the deadline, to the nanosecond where the kernel has
    // epoll_pwait2 (5.11; valgrind 3.19 has not), else in milliseconds
    // rounded up: rounded down, it ended the wait up to 1 ms early.
    const SignalWatch signals;
    for (;;) {
      const int k = kernel_wait(kernel_fd_, events, max, deadline, mask);
      if (k < 0 && errno == EINTR && !signals.fired()) continue;  // not the application's signal
      if (k < 0) return k;
      if (k == 0) {
        if (deadline && now() < *deadline) continue;
        return 0;
      }
      int n = 0;
      {
        std::lock_guard lock(mu_);
        for (int i = 0; i < k; ++i) {
          const Watch* w = kernel_watch(events[i].data.u64);
          if (w == nullptr) continue;
          events[n].events = events[i].events;
          events[n].data = w->data;
          ++n;
        }
      }
      if (n > 0 || (deadline && now() >= *deadline)) return n;
    }
  }
  // The percore path writes the events itself, where the kernel would
  // fault on an array it cannot write.
  if (!writable_once(events, static_cast<std::size_t>(max) * sizeof(epoll_event)))
    return fail(EFAULT);
  ScopedSigmask scoped(mask);
  if (scoped.bad()) return fail(EFAULT);
  int n = 0;
  auto collect = [&] {
    n = harvest(events, max, true);
    return n > 0;
  };
  if (scoped.delivered()) {
    // Linux's ep_poll: events first, then a zero timeout, then the signal.
    if (collect() || (deadline && *deadline <= now())) return n;
    return fail(EINTR);
  }
  pollfd kernel{kernel_fd_, POLLIN, 0};
  const WaitResult w = rt.wait(collect, deadline, {&kernel, 1}, false);
  if (n > 0) return n;
  if (w == WaitResult::Interrupted) return fail(EINTR);
  if (w == WaitResult::Ready) {
    collect();
    return n;
  }
  return 0;
}

int poll_fds(pollfd* fds, nfds_t n, std::optional<Instant> deadline, const sigset_t* mask) {
  // A process without percore files: the kernel's poll, arguments and all.
  if (!FdTable::get().any()) return kernel_poll(fds, n, deadline, mask);
  // The kernel judges the arguments first (do_sys_poll): nfds above
  // RLIMIT_NOFILE is EINVAL, an array it cannot read and write EFAULT.
  if (libc().poll(fds, n, 0) < 0 && errno != EINTR) return -1;
  std::vector<std::shared_ptr<File>> files(n);
  std::vector<pollfd> kernel;
  std::vector<std::size_t> kernel_index;
  // Percore files whose readiness also comes from the kernel (an epoll set's
  // kernel members, a listener's placeholder): their kernel fds wake the
  // wait, after the application's kernel fds.
  std::vector<int> wakes;
  bool any_percore = false;
  for (nfds_t i = 0; i < n; ++i) {
    files[i] = fds[i].fd >= 0 ? FdTable::get().find(fds[i].fd) : nullptr;
    if (files[i]) {
      any_percore = true;
      const bool from_kernel =
          files[i]->kind() == File::Kind::Epoll ||
          (files[i]->kind() == File::Kind::Socket && static_cast<Socket&>(*files[i]).kernel_listening());
      if (from_kernel) wakes.push_back(fds[i].fd);
    } else {
      kernel.push_back(fds[i]);
      kernel_index.push_back(i);
    }
  }
  Runtime& rt = Runtime::get();
  if (!any_percore) return kernel_poll(fds, n, deadline, mask);
  ScopedSigmask scoped(mask);
  if (scoped.bad()) return fail(EFAULT);
  int ready = 0;
  auto evaluate = [&] {
    ready = 0;
    for (nfds_t i = 0; i < n; ++i) {
      if (!files[i]) continue;
      const std::uint32_t want = static_cast<std::uint16_t>(fds[i].events) | POLLERR | POLLHUP;
      fds[i].revents = static_cast<short>(files[i]->poll_events(fds[i].fd) & want);
      if (fds[i].revents != 0) ++ready;
    }
    return ready > 0;
  };
  std::vector<pollfd> waiting = kernel;
  for (int fd : wakes) waiting.push_back({fd, POLLIN, 0});
  // Linux's do_poll: ready fds first, then a pending signal, even with a
  // zero timeout.
  const WaitResult w = scoped.delivered() ? WaitResult::Interrupted
                                          : rt.wait(evaluate, deadline, waiting, false);
  evaluate();
  if (!kernel.empty()) {
    for (std::size_t k = 0; k < kernel.size(); ++k) kernel[k].revents = waiting[k].revents;
    bool fired = false;
    for (const pollfd& p : kernel) fired = fired || p.revents != 0;
    if (w != WaitResult::Ready || ready > 0 || !fired) {
      for (auto& p : kernel) p.revents = 0;
      libc().poll(kernel.data(), kernel.size(), 0);
    }
    for (std::size_t k = 0; k < kernel.size(); ++k) {
      fds[kernel_index[k]].revents = kernel[k].revents;
      if (kernel[k].revents != 0) ++ready;
    }
  }
  if (ready == 0 && w == WaitResult::Interrupted) return fail(EINTR);
  return ready;
}

namespace {

// select(2)'s sets as the kernel reads them: whole longs, `bits` of them
// meaningful.
using FdBits = std::vector<unsigned long>;
constexpr std::size_t kLongBits = sizeof(unsigned long) * 8;

bool read_set(const fd_set* set, int bits, FdBits& out) {
  out.assign((static_cast<std::size_t>(bits) + kLongBits - 1) / kLongBits, 0);
  return set == nullptr || out.empty() ||
         read_user(out.data(), set, out.size() * sizeof(unsigned long));
}

bool test_bit(const FdBits& b, int fd) {
  return !b.empty() && (b[static_cast<std::size_t>(fd) / kLongBits] >> (fd % kLongBits)) & 1;
}

void set_bit(FdBits& b, int fd) { b[static_cast<std::size_t>(fd) / kLongBits] |= 1ul << (fd % kLongBits); }

}  // namespace

int select_fds(int nfds, fd_set* r, fd_set* w, fd_set* e, std::optional<Instant> deadline,
               const sigset_t* mask) {
  if (nfds < 0) return fail(EINVAL);
  // Linux clamps nfds to its fd table, however large the sets are.
  nfds = std::min(nfds, fd_table_size(nfds));
  FdBits in_r, in_w, in_e;
  if (!read_set(r, nfds, in_r) || !read_set(w, nfds, in_w) || !read_set(e, nfds, in_e))
    return fail(EFAULT);
  if (r == nullptr) in_r.clear();
  if (w == nullptr) in_w.clear();
  if (e == nullptr) in_e.clear();
  std::vector<pollfd> fds;
  for (int fd = 0; fd < nfds; ++fd) {
    short events = 0;
    if (test_bit(in_r, fd)) events |= POLLIN;
    if (test_bit(in_w, fd)) events |= POLLOUT;
    if (test_bit(in_e, fd)) events |= POLLPRI;
    if (events != 0) fds.push_back({fd, events, 0});
  }
  const int rc = poll_fds(fds.data(), fds.size(), deadline, mask);
  if (rc < 0) return rc;
  for (const pollfd& p : fds)
    if (p.revents & POLLNVAL) return fail(EBADF);
  FdBits out_r(in_r.size(), 0), out_w(in_w.size(), 0), out_e(in_e.size(), 0);
  int count = 0;
  // select(2)'s mapping of poll bits (Linux fs/select.c POLLIN_SET etc.).
  for (const pollfd& p : fds) {
    if ((p.events & POLLIN) && (p.revents & (POLLIN | POLLRDNORM | POLLHUP | POLLERR))) {
      set_bit(out_r, p.fd);
      ++count;
    }
    if ((p.events & POLLOUT) && (p.revents & (POLLOUT | POLLWRNORM | POLLERR))) {
      set_bit(out_w, p.fd);
      ++count;
    }
    if ((p.events & POLLPRI) && (p.revents & POLLPRI)) {
      set_bit(out_e, p.fd);
      ++count;
    }
  }
  const bool written = (out_r.empty() || write_user(r, out_r.data(), out_r.size() * sizeof(unsigned long))) &&
                       (out_w.empty() || write_user(w, out_w.data(), out_w.size() * sizeof(unsigned long))) &&
                       (out_e.empty() || write_user(e, out_e.data(), out_e.size() * sizeof(unsigned long)));
  return written ? count : fail(EFAULT);
}

}  // namespace percore::preload
