#include "preload/epoll.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
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
    const SignalWatch signals;
    pthread_sigmask(SIG_SETMASK, mask, &saved_);
    delivered_ = signals.fired();
  }
  ~ScopedSigmask() {
    if (active_) pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
  }
  bool delivered() const { return delivered_; }

 private:
  bool active_;
  bool delivered_ = false;
  sigset_t saved_{};
};

// Linux's EPOLLEXCLUSIVE_OK_BITS: what may accompany EPOLLEXCLUSIVE.
constexpr std::uint32_t kExclusiveOk = EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLRDBAND |
                                       EPOLLWRNORM | EPOLLWRBAND | EPOLLERR | EPOLLHUP |
                                       EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;

// What the kernel reports a kernel fd's registration by: the generation
// tells a registration from an earlier one of the same fd number (a file
// closed without EPOLL_CTL_DEL, whose registration the kernel dropped).
std::uint64_t kernel_token(std::uint32_t generation, int fd) {
  return (std::uint64_t{generation} << 32) | static_cast<std::uint32_t>(fd);
}

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
  if (internal_fd_ >= 0) libc().close(internal_fd_);
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
  if (op != EPOLL_CTL_DEL) {
    if (event == nullptr) return fail(EFAULT);
    // Linux copies the event in before anything else: let the kernel check
    // the pointer. `fd` (the placeholder) is never in the kernel set, so a
    // readable event fails with ENOENT, an unreadable one with EFAULT.
    if (libc().epoll_ctl(kernel_fd_, EPOLL_CTL_MOD, fd, event) != 0 && errno == EFAULT) return -1;
    // Linux: EPOLLEXCLUSIVE is for ADD only, with the bits above, and never
    // on an epoll file.
    if (event->events & EPOLLEXCLUSIVE) {
      if (op == EPOLL_CTL_MOD) return fail(EINVAL);
      if ((event->events & ~kExclusiveOk) || file->kind() == Kind::Epoll) return fail(EINVAL);
    }
  }
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
      w->interest = event->events;
      w->data = event->data;
      Watch* raw = w.get();
      watches_.emplace(fd, std::move(w));
      if (file->kind() == Kind::Socket && static_cast<Socket&>(*file).kernel_listening()) {
        epoll_event internal{};
        internal.events = EPOLLIN;
        internal.data.ptr = raw;
        libc().epoll_ctl(internal_fd(), EPOLL_CTL_ADD, fd, &internal);
      }
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
      w->interest = event->events;
      w->data = event->data;
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
      if (internal_fd_ >= 0) libc().epoll_ctl(internal_fd_, EPOLL_CTL_DEL, fd, nullptr);
      lock.unlock();
      file->remove_watch(w.get());
      return 0;
    }
  }
  return fail(EINVAL);
}

int EpollSet::internal_fd() {
  if (internal_fd_ < 0) internal_fd_ = libc().epoll_create1(EPOLL_CLOEXEC);
  return internal_fd_;
}

void EpollSet::drain_internal() {
  // Level-triggered: a listener with kernel connections waiting stays
  // queued until they are accepted, like its stack side.
  epoll_event ready[16];
  const int n = libc().epoll_wait(internal_fd_, ready, 16, 0);
  for (int i = 0; i < n; ++i) queue(static_cast<Watch*>(ready[i].data.ptr));
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
  auto it = kernel_watches_.find(static_cast<int>(token & 0xffffffffu));
  if (it == kernel_watches_.end() || it->second->generation != token >> 32) return nullptr;
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
  if (internal_fd_ >= 0) drain_internal();
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
  if (events == nullptr) return fail(EFAULT);
  bool percore_members;
  {
    std::lock_guard lock(mu_);
    percore_members = !watches_.empty() || !ready_.empty();
  }
  Runtime& rt = Runtime::get();
  if (!percore_members) {
    // Nothing of percore's to watch: the kernel's wait (DPDK's own interrupt
    // thread waits this way too), with the application's data for our tokens.
    for (;;) {
      int timeout_ms = -1;
      if (deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - now());
        timeout_ms = static_cast<int>(std::max<std::int64_t>(0, left.count()));
      }
      const int k = libc().epoll_pwait(kernel_fd_, events, max, timeout_ms, mask);
      if (k <= 0) return k;
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
      if (n > 0 || timeout_ms == 0) return n;
    }
  }
  ScopedSigmask scoped(mask);
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
  pollfd kernel[2] = {{kernel_fd_, POLLIN, 0}, {internal_fd_, POLLIN, 0}};
  const WaitResult w = rt.wait(collect, deadline, {kernel, internal_fd_ >= 0 ? 2u : 1u}, false);
  if (n > 0) return n;
  if (w == WaitResult::Interrupted) return fail(EINTR);
  if (w == WaitResult::Ready) {
    collect();
    return n;
  }
  return 0;
}

int poll_fds(pollfd* fds, nfds_t n, std::optional<Instant> deadline, const sigset_t* mask) {
  std::vector<std::shared_ptr<File>> files(n);
  std::vector<pollfd> kernel;
  std::vector<std::size_t> kernel_index;
  bool any_percore = false;
  for (nfds_t i = 0; i < n; ++i) {
    files[i] = fds[i].fd >= 0 ? FdTable::get().find(fds[i].fd) : nullptr;
    if (files[i]) {
      any_percore = true;
    } else {
      kernel.push_back(fds[i]);
      kernel_index.push_back(i);
    }
  }
  Runtime& rt = Runtime::get();
  if (!any_percore) {
    timespec ts{}, *tsp = nullptr;
    if (deadline) {
      const auto left = std::max(Duration::zero(), *deadline - now());
      ts.tv_sec = std::chrono::duration_cast<std::chrono::seconds>(left).count();
      ts.tv_nsec = (left - std::chrono::seconds(ts.tv_sec)).count();
      tsp = &ts;
    }
    return libc().ppoll(fds, n, tsp, mask);
  }
  ScopedSigmask scoped(mask);
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
  // Linux's do_poll: ready fds first, then a pending signal, even with a
  // zero timeout.
  const WaitResult w = scoped.delivered() ? WaitResult::Interrupted
                                          : rt.wait(evaluate, deadline, kernel, false);
  evaluate();
  if (!kernel.empty()) {
    if (w != WaitResult::Ready || ready > 0) {
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

int select_fds(int nfds, fd_set* r, fd_set* w, fd_set* e, std::optional<Instant> deadline,
               const sigset_t* mask) {
  if (nfds < 0) return fail(EINVAL);
  nfds = std::min(nfds, FD_SETSIZE);
  std::vector<pollfd> fds;
  for (int fd = 0; fd < nfds; ++fd) {
    short events = 0;
    if (r != nullptr && FD_ISSET(fd, r)) events |= POLLIN;
    if (w != nullptr && FD_ISSET(fd, w)) events |= POLLOUT;
    if (e != nullptr && FD_ISSET(fd, e)) events |= POLLPRI;
    if (events != 0) fds.push_back({fd, events, 0});
  }
  const int rc = poll_fds(fds.data(), fds.size(), deadline, mask);
  if (rc < 0) return rc;
  for (const pollfd& p : fds)
    if (p.revents & POLLNVAL) return fail(EBADF);
  if (r != nullptr) FD_ZERO(r);
  if (w != nullptr) FD_ZERO(w);
  if (e != nullptr) FD_ZERO(e);
  int count = 0;
  // select(2)'s mapping of poll bits (Linux fs/select.c POLLIN_SET etc.).
  for (const pollfd& p : fds) {
    if (r != nullptr && (p.events & POLLIN) && (p.revents & (POLLIN | POLLRDNORM | POLLHUP | POLLERR))) {
      FD_SET(p.fd, r);
      ++count;
    }
    if (w != nullptr && (p.events & POLLOUT) && (p.revents & (POLLOUT | POLLWRNORM | POLLERR))) {
      FD_SET(p.fd, w);
      ++count;
    }
    if (e != nullptr && (p.events & POLLPRI) && (p.revents & POLLPRI)) {
      FD_SET(p.fd, e);
      ++count;
    }
  }
  return count;
}

}  // namespace percore::preload
