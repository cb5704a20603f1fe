#include "preload/runtime.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <thread>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "preload/libc.h"
#include "preload/privileges.h"
#include "preload/shared.h"
#include "preload/socket.h"

namespace percore::preload {

Instant now() {
  return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
}

ShardBox::ShardBox(core::Shard& s, IdleTicks& idle) : shard(s), sockets(s.tcp()), idle(idle) {
  wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

ShardBox::~ShardBox() {
  if (wake_fd >= 0) libc().close(wake_fd);
}

unsigned ShardBox::poll_locked(Instant now) {
  last_poll_ns.store(now.time_since_epoch().count(), std::memory_order_relaxed);
  const unsigned n = shard.poll(now);
  note_traffic_locked(now);
  dispatch_locked();
  return n;
}

void ShardBox::after_call_locked(Instant now) {
  shard.flush(now);
  note_traffic_locked(now);
  dispatch_locked();
}

void ShardBox::note_traffic_locked(Instant now) {
  const auto& s = shard.net().stats();
  const std::uint64_t frames = s.rx_frames + s.tx_frames;
  if (frames == frames_seen) return;
  frames_seen = frames;
  idle.traffic(now);
}

void ShardBox::dispatch_locked() {
  if (!sockets.has_ready()) return;  // the common case of a poll: nothing
  bool any = false;
  sockets.take_ready(ready_scratch);
  if (ready_scratch.empty()) return;
  changes.fetch_add(1, std::memory_order_release);
  for (api::SocketId id : ready_scratch) {
    auto it = owners.find(id.index);
    if (it == owners.end()) continue;
    it->second->on_ready();
    any = true;
  }
  if (any) wake();
}

void ShardBox::wake() {
  if (parked.load(std::memory_order_acquire) == 0) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = libc().write(wake_fd, &one, sizeof one);
}

Runtime& Runtime::get() {
  // Never destroyed: threads and atexit handlers may still close sockets
  // while the process exits.
  static Runtime* runtime = new Runtime();
  return *runtime;
}

const config::Config* Runtime::config() {
  std::call_once(config_once_, [this] {
    auto c = config::load_from_environment();
    if (!c) {
      std::fprintf(stderr, "percore: %s\n", c.error().c_str());
      const char* strict = std::getenv("PERCORE_STRICT");
      if (strict != nullptr && strict[0] == '1') std::abort();
      return;
    }
    config_ = *c;
  });
  return config_ ? &*config_ : nullptr;
}

wire::Ipv4Cidr Runtime::address() {
  const config::Config* c = config();
  return c != nullptr ? c->ip : wire::Ipv4Cidr{};
}

bool Runtime::ensure_started() {
  if (started()) return true;
  std::lock_guard lock(start_mu_);
  if (started()) return true;
  if (start_failed_ || forked_away_) {
    errno = start_errno_ != 0 ? start_errno_ : ENETDOWN;
    return false;
  }
  const config::Config* c = config();
  if (c == nullptr) {
    start_failed_ = true;
    start_errno_ = EINVAL;
    errno = EINVAL;
    return false;
  }
  if (!privileges_suffice_locked(*c) || !start_locked(*c)) {
    start_failed_ = true;
    start_impossible_ = true;
    start_errno_ = ENETDOWN;
    errno = ENETDOWN;
    return false;
  }
  return true;
}

bool Runtime::privileges_suffice_locked(const config::Config& c) {
  const std::string missing = missing_privileges(c.dev, c.queues);
  if (missing.empty()) return true;
  std::fprintf(stderr,
               "percore: PERCORE_DEV=%s needs %s, which this process (uid %u) does not have: %s. "
               "Start it as root and let it drop privileges itself (memcached -u, nginx's user), "
               "or give it the capability (docs/SERVICES.md)\n",
               c.dev.to_string().c_str(), missing.c_str(), static_cast<unsigned>(geteuid()),
               c.strict ? "stopping (PERCORE_STRICT=1)" : "its TCP sockets are the Linux kernel's");
  if (c.strict) std::abort();
  return false;
}

bool Runtime::can_serve() {
  // DPDK's own sockets while this thread starts it (start_mu_ is held).
  if (started() || forked_away_ || internal_) return true;
  std::lock_guard lock(start_mu_);
  if (start_impossible_) return false;
  if (privileges_checked_) return true;
  const config::Config* c = config();
  if (c == nullptr) return true;  // the configuration's own error, reported by the caller
  if (!privileges_suffice_locked(*c)) {
    start_failed_ = true;
    start_impossible_ = true;
    start_errno_ = ENETDOWN;
    return false;
  }
  privileges_checked_ = true;
  return true;
}

void Runtime::before_privilege_drop() {
  if (started() || forked_away_) return;
  const config::Config* c = config();
  if (c == nullptr) return;
  // Every device, memif's socket file and vfio's device files too: what the
  // process can open as root it may not after. Without the privileges now,
  // the start cannot succeed either; the process's first socket says so
  // (can_serve).
  if (!missing_privileges(c->dev, c->queues).empty()) return;
  (void)ensure_started();
}

bool Runtime::take_rx_interrupt(int fd) {
  char link[64];
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = readlink(path.c_str(), link, sizeof link - 1);
  if (n <= 0 || std::string_view(link, static_cast<std::size_t>(n)) != "/dev/net/tun") return false;
  rx_fds_.push_back(fd);
  return true;
}

namespace {

std::vector<int> open_fds() {
  std::vector<int> fds;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (dirent* e = readdir(dir))
      if (e->d_name[0] != '.' && std::atoi(e->d_name) != dirfd(dir)) fds.push_back(std::atoi(e->d_name));
    closedir(dir);
  }
  std::sort(fds.begin(), fds.end());
  return fds;
}

}  // namespace

bool Runtime::start_locked(const config::Config& c) {
  // DPDK's drivers install signal handlers of their own (net_tap: SIGIO on
  // every received frame); those are not the application's.
  // The threads DPDK starts (interrupts, multi-process) inherit this
  // thread's mask: they take no signals, so a process-directed signal the
  // application blocks (for sigwait or a signalfd) stays pending for it
  // instead of killing the process from a DPDK thread.
  // The descriptors DPDK opens at start (plugin directory, memory, device)
  // are the stack's, not the application's: they may go above a soft
  // RLIMIT_NOFILE the application lowered before the deferred start (Linux
  // would have needed none), so the start runs at the hard limit.
  internal_ = true;
  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &saved);
  rlimit files{};
  rlimit room{};
  bool raised = false;
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    room = {files.rlim_max, files.rlim_max};
    raised = setrlimit(RLIMIT_NOFILE, &room) == 0;
  }
  const std::vector<int> before = open_fds();
  auto engine = core::Engine::start(config::engine_config(c), now());
  // The device (a raw socket, the TAP) is the stack's and was opened with
  // privileges the program may have dropped since: a program it execs must
  // not inherit it.
  for (int fd : open_fds())
    if (!std::binary_search(before.begin(), before.end(), fd))
      libc().fcntl(fd, F_SETFD, libc().fcntl(fd, F_GETFD) | FD_CLOEXEC);
  if (raised) setrlimit(RLIMIT_NOFILE, &files);
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  internal_ = false;
  if (!engine) {
    std::fprintf(stderr, "percore: %s\n", config::describe(engine.error(), c).c_str());
    if (c.strict) std::abort();
    rx_fds_.clear();
    return false;
  }
  engine_ = std::move(*engine);
  SharedRegistry& registry = SharedRegistry::get();
  slot_ = registry.claim();
  if (slot_ < 0) {
    std::fprintf(stderr, "percore: more than %d processes share the device\n",
                 SharedRegistry::kSlots);
    engine_.reset();
    rx_fds_.clear();
    return false;
  }
  const bool shared = registry.shared(slot_);
  idle_ = std::make_unique<IdleTicks>(std::chrono::microseconds(c.park_us),
                                      std::chrono::microseconds(c.idle_park_us),
                                      std::chrono::milliseconds(c.idle_ms), now());
  spin_ = std::make_unique<SpinWindow>(std::chrono::microseconds(c.spin_us),
                                       std::chrono::microseconds(c.spin_max_us));
  for (std::size_t i = 0; i < engine_->shard_count(); ++i) {
    boxes_.push_back(std::make_unique<ShardBox>(engine_->shard(i), *idle_));
    if (!shared) continue;
    // Workers of one server share the device: see preload/shared.h.
    core::Shard& shard = engine_->shard(i);
    auto* admission =
        admissions_.emplace_back(std::make_unique<ShardAdmission>(registry, slot_)).get();
    shard.tcp().set_admission([admission](const tcp::FourTuple& t, bool syn) {
      return admission->admit(t, syn);
    });
    shard.tcp().set_admission_end([admission](const tcp::FourTuple& t) { admission->ended(t); });
    shard.tcp().set_port_partition(static_cast<std::uint16_t>(slot_), SharedRegistry::kSlots);
    shard.net().set_answer_echo(registry.primary(slot_));
  }
  std::atexit([] {
    Runtime& rt = Runtime::get();
    if (!rt.forked_away_) SharedRegistry::get().release(rt.slot_);
  });
  {
    std::lock_guard box_lock(boxes_[0]->mu);
    boxes_[0]->shard.announce(now());
  }
  started_.store(true, std::memory_order_release);
  if (c.stats) std::atexit([] { Runtime::get().print_stats(/*wait_for_locks=*/false); });
  {
    // The progress thread takes no signals: a process-directed signal must
    // reach (and interrupt) an application thread, as it would on Linux.
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    std::thread([this] { progress_loop(); }).detach();
    pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  }
  return true;
}

void Runtime::progress_loop() {
  pthread_setname_np(pthread_self(), "percore-progress");
  const auto interval = idle_->normal_tick();
  const auto stats_every = std::chrono::milliseconds(config_->stats_ms);
  Instant next_stats = now() + stats_every;
  Duration sleep = interval;
  for (unsigned round = 0;; ++round) {
    timespec ts{static_cast<time_t>(sleep.count() / 1'000'000'000),
                static_cast<long>(sleep.count() % 1'000'000'000)};
    nanosleep(&ts, nullptr);
    if (forked_away_) return;
    // Processes sharing the device that died leave their ports behind.
    if (round % 256 == 0) SharedRegistry::get().reap();
    const Instant t = now();
    const std::int64_t stale = (t - interval).time_since_epoch().count();
    bool learned = false;
    Instant next_timer = Instant::max();
    // Only a deep tick needs the timers of shards polled by others: while
    // frames flow, a shard an application thread polls is left to it.
    const bool deep = idle_->deep(t);
    for (auto& box : boxes_) {
      const bool fresh = box->last_poll_ns.load(std::memory_order_relaxed) > stale;
      if (fresh && !deep) continue;
      std::unique_lock lock(box->mu, std::try_to_lock);
      if (!lock.owns_lock()) continue;
      if (!fresh) {
        box->poll_locked(t);
        learned = learned || box->shard.net().has_learned();
      }
      // A thread parked on the shard wakes for its timers itself; following
      // them here too would put both pollers in step, and a first frame
      // after idleness would wait for one poller instead of the nearer of two.
      if (box->parked.load(std::memory_order_acquire) == 0)
        next_timer = std::min(next_timer, box->shard.next_deadline());
    }
    if (learned && boxes_.size() > 1) {
      std::vector<std::unique_lock<std::mutex>> all;
      for (auto& box : boxes_) all.emplace_back(box->mu);
      engine_->share_neighbours(t);
    }
    if (stats_every.count() > 0 && t >= next_stats) {
      print_stats(/*wait_for_locks=*/true);
      next_stats = t + stats_every;
    }
    // Idle: the deep tick (preload/idle.h) up to the shards' next timer,
    // and never past the next stats line.
    sleep = idle_->tick(t, next_timer);
    if (stats_every.count() > 0) sleep = std::clamp<Duration>(next_stats - t, Duration(0), sleep);
  }
}

void Runtime::print_stats(bool wait_for_locks) {
  if (forked_away_ && !handed_over_) return;
  for (auto& box : boxes_) {
    std::unique_lock lock(box->mu, std::defer_lock);
    if (wait_for_locks) {
      lock.lock();
    } else if (!lock.try_lock()) {
      continue;  // at exit: a thread may have left it locked
    }
    const core::Shard& s = box->shard;
    const auto& t = box->shard.tcp().stats();
    const auto& r = s.redirect_stats();
    std::fprintf(stderr,
                 "percore: pid %d shard %u: %s\n"
                 "percore: pid %d shard %u tcp: segs_in=%lu segs_out=%lu rst_sent=%lu bad=%lu "
                 "no_listener=%lu connections=%zu sockets=%zu redirect_out=%lu redirect_in=%lu "
                 "redirect_ring_full=%lu syn_queue_full=%lu accept_queue_full=%lu "
                 "no_buffers=%lu mbufs_free=%u/%u\n"
                 "percore: pid %d shard %u tcp closed connections: retransmits=%lu rto=%lu "
                 "fast_retransmits=%lu loss_probes=%lu lost_retransmits=%lu\n",
                 getpid(), s.queue(), box->shard.net().stats().to_string().c_str(), getpid(),
                 s.queue(), t.segs_in, t.segs_out, t.rst_sent, t.bad_segments, t.no_listener,
                 box->shard.tcp().connections(), box->sockets.open_sockets(), r.out, r.in,
                 r.ring_full, t.syn_queue_full, t.accept_queue_full, t.no_buffers,
                 engine_->port().free_mbufs(s.queue()),
                 engine_->port().total_mbufs(s.queue()), getpid(), s.queue(), t.retransmits,
                 t.rto_expirations, t.fast_retransmits, t.loss_probes, t.lost_retransmits);
  }
  std::fprintf(stderr, "percore: pid %d waiting: polled without a frame %.3f s, parked %.3f s\n", getpid(),
               static_cast<double>(empty_poll_ns_.load(std::memory_order_relaxed)) / 1e9,
               static_cast<double>(parked_ns_.load(std::memory_order_relaxed)) / 1e9);
  if (boxes_.size() > 1)
    std::fprintf(stderr, "percore: pid %d: %lu connections moved to the shard of the thread using them\n",
                 getpid(), migrations_.load(std::memory_order_relaxed));
}

ShardBox& Runtime::home() {
  thread_local int home = -1;
  if (home < 0) home = static_cast<int>(next_home_.fetch_add(1) % boxes_.size());
  return *boxes_[static_cast<std::size_t>(home)];
}

unsigned Runtime::poll_all(Instant t) {
  unsigned received = 0;
  bool learned = false;
  for (auto& box : boxes_) {
    std::unique_lock lock(box->mu, std::try_to_lock);
    if (!lock.owns_lock()) continue;  // its owner is polling it right now
    received += box->poll_locked(t);
    learned = learned || box->shard.net().has_learned();
  }
  if (learned && boxes_.size() > 1) {
    // Rare (ARP): take every lock in order and share the neighbour.
    std::vector<std::unique_lock<std::mutex>> all;
    for (auto& box : boxes_) all.emplace_back(box->mu);
    engine_->share_neighbours(t);
  }
  return received;
}

WaitResult Runtime::wait(absl::FunctionRef<bool()> ready, std::optional<Instant> deadline,
                         std::span<pollfd> kernel_fds, bool restartable) {
  const config::Config& c = *config();
  const Instant start = now();
  const Duration base_spin = std::chrono::microseconds(c.spin_us);
  const SignalWatch signals(restartable);
  auto interrupted = [&] { return signals.fired(); };
  // While spinning, ready() (which takes locks) runs again only after a
  // poll changed some socket's readiness, or every kRecheckEvery rounds for
  // what changes without the stack (a socket shut down by another thread);
  // the kernel fds, a system call, are polled every kKernelEvery rounds.
  constexpr unsigned kRecheckEvery = 16, kKernelEvery = 8;
  auto changes = [this] {
    std::uint64_t sum = 0;
    for (auto& box : boxes_) sum += box->changes.load(std::memory_order_acquire);
    return sum;
  };
  std::uint64_t seen = changes();
  if (ready()) return WaitResult::Ready;
  std::vector<pollfd> park;
  // One waiting thread at a time polls for the adaptive window
  // (SpinWindow, preload/idle.h), and goes on polling while frames keep
  // coming, until a window passes without one; the others poll for
  // PERCORE_SPIN_US and park. Without it a sender waiting for its send
  // buffer to drain parks after the first spin and takes the ACKs that open
  // its window once per park tick: one window per PERCORE_PARK_US (a lossy
  // link keeps that window to a few segments; memcached's replies under
  // faults went at ~8 MB/s). One thread is enough, as any poll sends what
  // the ACKs let out; more would take the cores from the threads doing the
  // work (memcached -t 4 on two cores served ~40% fewer requests when every
  // waiter kept polling).
  SpinWindow* const window = started() ? spin_.get() : nullptr;
  bool keeps_polling = window != nullptr && !keep_polling_.exchange(true, std::memory_order_acq_rel);
  Instant spin_until = start + (keeps_polling ? window->get() : base_spin);
  auto stop_polling = [&] {
    if (keeps_polling) keep_polling_.store(false, std::memory_order_release);
    keeps_polling = false;
  };
  struct StopOnReturn {
    decltype(stop_polling)& stop;
    ~StopOnReturn() { stop(); }
  } stop_on_return{stop_polling};
  // A park that timed out with no fd ready: the kernel fds were just found
  // idle, so the next round need not probe them again; and the first poll
  // after it tells the spin window whether the park came too early.
  bool quiet = false;
  // The time of rounds that found no frame, added up once on return.
  Duration empty{0};
  Instant round_start = start;
  bool last_empty = false;
  struct AddOnReturn {
    std::atomic<std::uint64_t>& total;
    Duration& d;
    ~AddOnReturn() {
      if (d.count() > 0) total.fetch_add(static_cast<std::uint64_t>(d.count()), std::memory_order_relaxed);
    }
  } add_empty{empty_poll_ns_, empty};
  for (unsigned round = 1;; ++round) {
    const Instant t = now();
    if (last_empty) empty += t - round_start;
    round_start = t;
    const unsigned received = started() ? poll_all(t) : 0;
    last_empty = received == 0;
    if (quiet && window != nullptr) window->park_ended(received > 0);
    if (received > 0 && window != nullptr &&
        (keeps_polling || !keep_polling_.exchange(true, std::memory_order_acq_rel))) {
      keeps_polling = true;
      spin_until = std::max(spin_until, t + window->get());
    }
    const bool spinning = t < spin_until;
    if (const std::uint64_t c = changes(); c != seen || !spinning || round % kRecheckEvery == 0) {
      seen = c;
      if (ready()) return WaitResult::Ready;
    }
    if (interrupted()) return WaitResult::Interrupted;
    if (!quiet && !kernel_fds.empty() && (!spinning || round % kKernelEvery == 1)) {
      for (auto& p : kernel_fds) p.revents = 0;
      if (libc().poll(kernel_fds.data(), kernel_fds.size(), 0) > 0) return WaitResult::Ready;
    }
    quiet = false;
    if (deadline && t >= *deadline) return WaitResult::TimedOut;
    if (spinning) continue;
    stop_polling();

    // Park: the kernel fds, every shard's wake fd, for at most one tick (a
    // deeper one while the stack is idle, preload/idle.h).
    Instant until = t + (started() ? idle_->tick(t) : std::chrono::microseconds(c.park_us));
    if (deadline) until = std::min(until, *deadline);
    park.assign(kernel_fds.begin(), kernel_fds.end());
    for (auto& box : boxes_) {
      park.push_back({box->wake_fd, POLLIN, 0});
      box->parked.fetch_add(1, std::memory_order_acq_rel);
      std::unique_lock lock(box->mu, std::try_to_lock);
      if (lock.owns_lock()) until = std::min(until, box->shard.next_deadline());
    }
    // One parked thread at a time also waits for the device's frames where
    // it can (the TAP's queues): it wakes for the first and wakes the
    // others through the shards' eventfds if their sockets became ready.
    const std::size_t wake_end = park.size();
    const bool rx_watch = !rx_fds_.empty() && !rx_watcher_.exchange(true, std::memory_order_acq_rel);
    if (rx_watch)
      for (int fd : rx_fds_) park.push_back({fd, POLLIN, 0});
    const auto wait_us = std::chrono::duration_cast<std::chrono::microseconds>(until - now());
    // poll(2) counts milliseconds; ppoll(2) gives the tick its resolution.
    timespec ts{0, 0};
    if (wait_us.count() > 0) {
      ts.tv_sec = wait_us.count() / 1'000'000;
      ts.tv_nsec = (wait_us.count() % 1'000'000) * 1000;
    }
    const Instant parked_at = now();
    const int n = libc().ppoll(park.data(), park.size(), &ts, nullptr);
    const int saved = errno;
    if (rx_watch) rx_watcher_.store(false, std::memory_order_release);
    const Instant woke = now();
    parked_ns_.fetch_add(static_cast<std::uint64_t>((woke - parked_at).count()), std::memory_order_relaxed);
    last_empty = false;  // the park is counted apart
    round_start = woke;
    for (auto& box : boxes_) box->parked.fetch_sub(1, std::memory_order_acq_rel);
    if (n < 0 && saved == EINTR && interrupted()) return WaitResult::Interrupted;
    if (n == 0) quiet = true;
    if (n > 0) {
      for (std::size_t i = kernel_fds.size(); i < wake_end; ++i) {
        if (park[i].revents == 0) continue;
        std::uint64_t value;
        [[maybe_unused]] auto r = libc().read(park[i].fd, &value, sizeof value);
      }
      for (std::size_t i = 0; i < kernel_fds.size(); ++i) {
        kernel_fds[i].revents = park[i].revents;
        if (park[i].revents != 0) return WaitResult::Ready;
      }
    }
  }
}

namespace {

// The application's handlers, by signal: the kernel runs percore's
// trampoline, which counts the signal and calls the application's handler.
struct sigaction g_app_handlers[_NSIG];
std::mutex g_handlers_mu;

// The application's handlers that ran on this thread; read by the same
// thread only. Initial-exec TLS: a preloaded library's is static, so the
// handler reaches it without an allocation.
struct HandlerRuns {
  std::uint64_t any;
  std::uint64_t no_restart;
};
thread_local HandlerRuns t_handler_runs __attribute__((tls_model("initial-exec"))) = {0, 0};

std::uint64_t handler_runs(bool restartable) {
  const HandlerRuns& r = t_handler_runs;
  return restartable ? __atomic_load_n(&r.no_restart, __ATOMIC_ACQUIRE)
                     : __atomic_load_n(&r.any, __ATOMIC_ACQUIRE);
}

void trampoline(int signo, siginfo_t* info, void* context) {
  const struct sigaction& app = g_app_handlers[signo];
  Runtime::get().on_signal(signo);
  if ((app.sa_flags & SA_SIGINFO) != 0)
    app.sa_sigaction(signo, info, context);
  else if (app.sa_handler != SIG_IGN && app.sa_handler != SIG_DFL)
    app.sa_handler(signo);
}

bool is_function(const struct sigaction& act) {
  if ((act.sa_flags & SA_SIGINFO) != 0) return act.sa_sigaction != nullptr;
  return act.sa_handler != SIG_DFL && act.sa_handler != SIG_IGN;
}

}  // namespace

SignalWatch::SignalWatch(bool restartable)
    : restartable_(restartable), at_start_(handler_runs(restartable)) {}

bool SignalWatch::fired() const { return handler_runs(restartable_) != at_start_; }

void Runtime::on_signal(int signo) {
  // The handler runs on this thread, between any two of its instructions.
  __atomic_add_fetch(&t_handler_runs.any, 1, __ATOMIC_RELEASE);
  if ((g_app_handlers[signo].sa_flags & SA_RESTART) == 0)
    __atomic_add_fetch(&t_handler_runs.no_restart, 1, __ATOMIC_RELEASE);
}

void Runtime::install_handler(int signo, const struct sigaction* act, struct sigaction* old,
                              int& rc) {
  if (signo <= 0 || signo >= _NSIG) {
    rc = libc().sigaction(signo, act, old);
    return;
  }
  if (internal_) {
    // A driver's handler: not counted as the application's signal, and
    // restarting, so the application's own blocking calls never see EINTR
    // because a frame arrived.
    if (act == nullptr) {
      rc = libc().sigaction(signo, act, old);
      return;
    }
    struct sigaction restarting = *act;
    restarting.sa_flags |= SA_RESTART;
    rc = libc().sigaction(signo, &restarting, old);
    return;
  }
  std::lock_guard lock(g_handlers_mu);
  const struct sigaction before = g_app_handlers[signo];
  struct sigaction previous {};
  if (act != nullptr && is_function(*act)) {
    struct sigaction ours = *act;
    ours.sa_flags |= SA_SIGINFO;
    ours.sa_sigaction = trampoline;
    g_app_handlers[signo] = *act;
    rc = libc().sigaction(signo, &ours, &previous);
    if (rc != 0) g_app_handlers[signo] = before;
  } else {
    rc = libc().sigaction(signo, act, &previous);
    if (rc == 0 && act != nullptr) g_app_handlers[signo] = *act;
  }
  // The application sees its own handler, never the trampoline.
  if (rc == 0 && old != nullptr) *old = previous.sa_sigaction == trampoline ? before : previous;
}

void Runtime::after_fork_child() {
  forked_away_ = started();
  // The parent's timer thread did not survive the fork; the child's
  // listeners materialise when it waits on them.
  std::lock_guard lock(deferred_mu_);
  deferred_.clear();
  deferred_thread_ = false;
}

void Runtime::defer_listener(std::weak_ptr<File> listener, int fd) {
  std::lock_guard lock(deferred_mu_);
  deferred_.emplace_back(std::move(listener), fd);
  if (deferred_thread_) return;
  deferred_thread_ = true;
  const unsigned forks = forks_.load(std::memory_order_acquire);
  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &saved);
  std::thread([this, forks] { start_deferred(forks); }).detach();
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
}

void Runtime::start_deferred(unsigned forks_at_listen) {
  const config::Config* c = config();
  const unsigned delay_ms = c != nullptr ? c->listen_start_ms : 200;
  timespec ts{static_cast<time_t>(delay_ms / 1000), static_cast<long>(delay_ms % 1000) * 1'000'000};
  nanosleep(&ts, nullptr);
  std::vector<std::pair<std::weak_ptr<File>, int>> pending;
  {
    std::lock_guard lock(deferred_mu_);
    pending.swap(deferred_);
    deferred_thread_ = false;
  }
  // A process that forked since is a server handing its listeners to
  // workers: it must not start DPDK.
  if (forks_.load(std::memory_order_acquire) != forks_at_listen || forked_away_) return;
  for (auto& [weak, fd] : pending)
    if (auto file = weak.lock()) static_cast<Socket&>(*file).materialize_deferred(fd);
}

void Runtime::accept_waiting(std::uint16_t port, int delta) {
  if (!started() || !shares_device()) return;
  std::lock_guard lock(waiting_mu_);
  int& waiters = accept_waiters_[port];
  waiters = std::max(0, waiters + delta);
  SharedRegistry::get().set_available(port, slot_, waiters > 0);
}

void Runtime::accept_found_empty(std::uint16_t port) {
  if (!started() || !shares_device()) return;
  SharedRegistry::get().set_available(port, slot_, true);
}

namespace {

// The files a lingering child keeps: the device's AF_PACKET sockets and the
// capture file. Everything else is the application's, and closing it is
// what makes the exit visible (pipes reach EOF, locks and listeners go).
bool stack_file(int fd, const std::string& pcap) {
  int domain = 0;
  socklen_t len = sizeof domain;
  if (libc().getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0) return domain == AF_PACKET;
  if (pcap.empty()) return false;
  char link[4096];
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = readlink(path.c_str(), link, sizeof link - 1);
  if (n <= 0) return false;
  link[n] = '\0';
  char* real = realpath(pcap.c_str(), nullptr);
  const bool same = real != nullptr && std::string_view(link) == real;
  std::free(real);
  return same;
}

void close_all_but_the_stack(const std::string& pcap) {
  const int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = 0; fd <= 2; ++fd)
    if (null >= 0) dup2(null, fd);
  std::vector<int> fds;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (dirent* e = readdir(dir)) {
      const int fd = std::atoi(e->d_name);
      if (fd > 2 && fd != dirfd(dir) && fd != null) fds.push_back(fd);
    }
    closedir(dir);
  }
  for (int fd : fds)
    if (!stack_file(fd, pcap)) libc().close(fd);
  if (null > 2) libc().close(null);
}

}  // namespace

void Runtime::exiting() {
  if (started() && shares_device()) SharedRegistry::get().linger(slot_);
}

bool Runtime::hand_over_at_exit() {
  const config::Config& c = *config_;
  // af_packet only: the child drives the same sockets and their mmap()ed
  // rings. A TAP device is the process's own interface, which would
  // outlive the exit and block the next process from creating it; af_xdp's
  // UMEM is the parent's pinned memory, which the child only has a copy of.
  if (c.exit_linger_s == 0 || c.dev.kind != dev::DeviceKind::AfPacket || forked_away_) return false;
  SharedRegistry& registry = SharedRegistry::get();
  // Every shard, so that no other thread is inside one at the fork and the
  // child gets each in a consistent state.
  std::vector<std::unique_lock<std::mutex>> shards;
  for (auto& box : boxes_) shards.emplace_back(box->mu);
  // No new connection for this slot from here on.
  registry.linger(slot_);
  const Instant since = now();
  const pid_t pid = libc().fork();
  if (pid < 0) return false;  // the process flushes what it can itself
  if (pid == 0) run_lingering(since);
  registry.hand_over(slot_, pid);
  // The child drives the device now. This process's other threads, until
  // exit ends them, find their sockets as a forked child does (the
  // kernel placeholders), and its copy of the stack touches nothing.
  for (auto& box : boxes_) box->shard.detach();
  handed_over_ = true;
  forked_away_ = true;
  return true;
}

void Runtime::run_lingering(Instant since) {
  // The child: the only thread. The shards' locks stay as the fork left
  // them (held by the thread this one copies) and are not needed: nothing
  // else runs here. Nothing of the application runs here again either:
  // its own session, default signals, none of its files, and no atexit
  // handlers (it leaves by _exit).
  setsid();
  // What `ps`, pgrep and killall see: not the program, which has exited.
  prctl(PR_SET_NAME, "percore-linger");
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int signo = 1; signo < _NSIG; ++signo) libc().sigaction(signo, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, nullptr);
  close_all_but_the_stack(config_->pcap);
  const Instant start = now();
  for (std::size_t i = 0; i < boxes_.size(); ++i) {
    ShardBox& box = *boxes_[i];
    box.owners.clear();  // the application's sockets are gone
    box.sockets.close_listeners(start);
    // Only its own connections: every other segment belongs to another
    // process on the device, or to a later one.
    if (i < admissions_.size()) {
      admissions_[i]->set_lingering();
    } else {
      box.shard.tcp().set_admission(
          [](const tcp::FourTuple&, bool) { return tcp::TcpLayer::Admission::Ignore; });
    }
    box.shard.net().set_answer_echo(false);
    box.after_call_locked(start);
  }
  const auto idle_limit = std::chrono::seconds(config_->exit_linger_s);
  std::uint64_t heard = 0;
  Instant last_heard = since;
  for (;;) {
    const Instant t = now();
    bool unfinished = false;
    std::uint64_t segs_in = 0;
    Instant until = t + idle_->tick(t);
    for (auto& box : boxes_) {
      box->poll_locked(t);
      unfinished = unfinished || box->sockets.unfinished();
      segs_in += box->shard.tcp().stats().segs_in;
      if (auto d = box->shard.next_deadline(); d < until) until = d;
    }
    if (segs_in != heard) {
      heard = segs_in;
      last_heard = t;
    }
    // Done, or the peers have gone silent (Linux gives up on an orphaned
    // connection after tcp_fin_timeout, 60 s, or its retransmissions).
    if (!unfinished || t - last_heard >= idle_limit) break;
    const auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(until - now());
    if (wait.count() > 0) {
      timespec ts{static_cast<time_t>(wait.count() / 1'000'000'000),
                  static_cast<long>(wait.count() % 1'000'000'000)};
      nanosleep(&ts, nullptr);
    }
  }
  // The slot is this process's once the parent has handed it over (at
  // once after the fork); if the parent died first, the slot was reaped.
  SharedRegistry& registry = SharedRegistry::get();
  for (int i = 0; i < 1000 && !registry.owns(slot_); ++i) {
    timespec ms{0, 1'000'000};
    nanosleep(&ms, nullptr);
  }
  registry.release(slot_);
  libc()._exit(0);
  __builtin_unreachable();
}

}  // namespace percore::preload
