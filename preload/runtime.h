// The process-wide side of libpercore.so: the configuration, the stack
// (started lazily, at the first socket percore serves), one ShardBox per
// shard, each thread's home shard, and waiting: spin on the shards for
// PERCORE_SPIN_US, then park in the kernel with a bounded tick (deeper once
// the stack is idle, preload/idle.h), and return early on a signal so
// blocking calls give EINTR as Linux does.
#pragma once

#include <poll.h>
#include <signal.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "preload/config.h"
#include "preload/idle.h"
#include "stack/api/sockets.h"
#include "stack/core/engine.h"

namespace percore::preload {

class File;
class ShardAdmission;
// What a shard tells when a socket's readiness may have changed: a
// connection's Socket, or a listener shared by SO_REUSEPORT sockets.
class ReadyTarget {
 public:
  virtual void on_ready() = 0;

 protected:
  ~ReadyTarget() = default;
};

Instant now();

// One shard with what the interposer keeps beside it. An application's
// threads may share a shard, so every use holds `mu`; a thread mostly uses
// its home shard, so the lock is uncontended in the common case.
struct ShardBox {
  ShardBox(core::Shard& s, IdleTicks& idle);
  ~ShardBox();

  // Receives, runs timers, transmits, and tells sockets whose readiness
  // changed. Caller holds mu.
  unsigned poll_locked(Instant now);
  // After an application call: sends what it produced and tells waiters.
  void after_call_locked(Instant now);
  // Wakes threads parked on this shard (eventfd), if any.
  void wake();

  std::mutex mu;
  core::Shard& shard;
  std::atomic<std::int64_t> last_poll_ns{0};  // when a thread last polled it
  api::Sockets sockets;
  int wake_fd = -1;
  std::atomic<int> parked{0};
  // Bumped whenever a socket's readiness may have changed (take_ready()
  // listed it): a waiter that polled and sees no change need not re-check.
  std::atomic<std::uint64_t> changes{0};
  IdleTicks& idle;
  std::uint64_t frames_seen = 0;  // frames in and out when last looked (under mu)
  std::vector<api::SocketId> ready_scratch;  // dispatch_locked's, kept (under mu)
  // SocketId.index -> the interposer's socket, for readiness. A socket
  // removes itself (under mu) before it goes away.
  absl::flat_hash_map<std::uint32_t, ReadyTarget*> owners;

 private:
  void dispatch_locked();
  // Tells `idle` when frames went in or out since the last look.
  void note_traffic_locked(Instant now);
};

enum class WaitResult { Ready, TimedOut, Interrupted };

// Whether one of the application's signal handlers ran on the calling
// thread since this was made (percore's trampoline counts them per thread):
// only the thread that ran a handler sees EINTR, as on Linux, never another
// thread of the process. `restartable`: only handlers without SA_RESTART
// count (a call Linux restarts after SA_RESTART handlers).
class SignalWatch {
 public:
  explicit SignalWatch(bool restartable = false);
  bool fired() const;

 private:
  bool restartable_;
  std::uint64_t at_start_;
};

class Runtime {
 public:
  static Runtime& get();

  // The configuration, or nullptr with the reason printed once.
  const config::Config* config();
  // Starts the stack on first use; false (reason printed once, errno set)
  // when it cannot run. Never throws, never panics.
  bool ensure_started();
  bool started() const { return started_.load(std::memory_order_acquire); }
  // Whether this process's TCP sockets can be the stack's: it runs, or can
  // start here. False once it cannot (the process lacks the device's
  // privileges, or the device failed to start), the reason printed once:
  // the sockets are then the kernel's, as they would be without percore
  // (PERCORE_STRICT=1 stops the program instead).
  bool can_serve();
  // Before a call that takes the effective capabilities away (setuid to a
  // user, capset): the stack starts while the device can still be opened,
  // and the call then drops the privileges exactly as asked.
  void before_privilege_drop();
  // During the stack's start: DPDK asked for SIGIO on `fd` (net_tap, a
  // signal per received frame, which would interrupt the application's
  // system calls). percore asks for none and polls `fd` from a parked
  // thread instead: the wake-up the signal was for. False: not a device
  // percore knows (the request goes through).
  bool take_rx_interrupt(int fd);
  // True while this thread starts the stack: calls made by DPDK, not the
  // application.
  static bool starting_stack() { return internal_; }

  std::size_t shard_count() const { return boxes_.size(); }
  ShardBox& box(std::size_t i) { return *boxes_[i]; }
  // This thread's shard (threads are given shards round-robin on first use).
  ShardBox& home();
  // The stack's address (PERCORE_IP), valid once started or configured.
  wire::Ipv4Cidr address();

  // Polls every shard this thread can get without waiting for a lock.
  // Returns frames received.
  unsigned poll_all(Instant now);

  // Waits until `ready()` is true: polls for PERCORE_SPIN_US (one waiting
  // thread at a time for the adaptive SpinWindow instead, going on while
  // frames arrive), then parks on the shards' wake fds and `kernel_fds`
  // (poll(2) entries; their revents are filled when they fire) in ticks of
  // at most PERCORE_PARK_US
  // (PERCORE_IDLE_PARK_US once no frame went in or out for PERCORE_IDLE_MS).
  // Interrupted when a signal handler ran on this thread, unless
  // `restartable` and every handler that ran was installed with SA_RESTART.
  WaitResult wait(absl::FunctionRef<bool()> ready, std::optional<Instant> deadline,
                  std::span<pollfd> kernel_fds = {}, bool restartable = false);

  // Signal handlers run through percore's trampoline (sigaction shim) so a
  // spinning wait notices them.
  void install_handler(int signo, const struct sigaction* act, struct sigaction* old, int& rc);
  void on_signal(int signo);

  // PERCORE_STATS (at exit, skipping shards another thread holds) and
  // PERCORE_STATS_MS (from the progress thread, waiting for each shard's
  // lock): every shard's counters, with its pool's free mbufs, to stderr.
  void print_stats(bool wait_for_locks);

  // A listener made while the stack is not running waits for the process's
  // first wait on it, so that a server that listens and forks workers starts
  // DPDK only in them. A process that neither waits nor forks soon (a
  // program that listens, then sleeps) must still answer SYNs, as Linux's
  // kernel does: PERCORE_LISTEN_START_MS after the listen(), if the process
  // has not forked meanwhile, the stack starts and the listener materialises.
  void defer_listener(std::weak_ptr<File> listener, int fd);
  void note_fork() { forks_.fetch_add(1, std::memory_order_acq_rel); }

  // Where processes share the device, SYNs prefer a listening process that
  // can take the connection now: one with a thread blocked in accept()
  // (an AcceptWaiting while it waits), or whose non-blocking accept() just
  // found the queue empty (an event loop that accepts on readiness).
  bool shares_device() const { return !admissions_.empty(); }
  void accept_waiting(std::uint16_t port, int delta);
  void accept_found_empty(std::uint16_t port);

  // At exit, with connections still sending after a short flush: forks a
  // child that keeps the stack running until they are done (Linux's kernel
  // delivers an exited process's data), and returns true in the exiting
  // process, which must not touch the stack again. The child never
  // returns. False where no child can take the stack over (see
  // docs/ARCHITECTURE.md, "Process exit").
  bool hand_over_at_exit();
  // The process starts to exit: where the device is shared, other
  // processes take the new connections from now on.
  void exiting();

  // In a child after fork(): the parent's stack cannot be used here.
  void after_fork_child();
  bool forked_away() const { return forked_away_; }
  // This process's slot in the SharedRegistry (valid once started).
  int slot() const { return slot_; }

 private:
  Runtime() = default;

  std::once_flag config_once_;
  std::optional<config::Config> config_;
  std::mutex start_mu_;
  std::atomic<bool> started_{false};
  bool start_failed_ = false;
  int start_errno_ = 0;
  bool start_impossible_ = false;  // no privileges, or the device failed: sockets are the kernel's
  bool privileges_checked_ = false;  // the device's privileges were there when first asked
  bool start_locked(const config::Config& c);
  // False, with the line that says what is missing, when the process cannot
  // open the device (start_mu_ held).
  bool privileges_suffice_locked(const config::Config& c);
  // The device's receive descriptors, polled by one parked thread at a time
  // (`rx_watcher_`) in place of the SIGIO DPDK asked for.
  std::vector<int> rx_fds_;
  std::atomic<bool> rx_watcher_{false};
  std::unique_ptr<core::Engine> engine_;
  std::vector<std::unique_ptr<ShardBox>> boxes_;
  // The polling tick, deeper once no frame went in or out for a while
  // (preload/idle.h). Made at start, before the shards' boxes.
  std::unique_ptr<IdleTicks> idle_;
  std::unique_ptr<SpinWindow> spin_;  // made with idle_, when the stack starts
  std::atomic<unsigned> next_home_{0};
  // The progress thread: polls shards no application thread has polled for
  // PERCORE_PARK_US, so ACKs, window updates and timers happen while the
  // application is busy elsewhere (sleeping, in a kernel call), as the
  // kernel's softirq makes them happen for Linux sockets.
  void progress_loop();
  bool forked_away_ = false;
  std::atomic<unsigned> forks_{0};
  std::mutex deferred_mu_;
  std::vector<std::pair<std::weak_ptr<File>, int>> deferred_;
  bool deferred_thread_ = false;
  void start_deferred(unsigned forks_at_listen);
  int slot_ = -1;
  // One per shard where the device is shared (preload/shared.h).
  std::vector<std::unique_ptr<ShardAdmission>> admissions_;
  std::mutex waiting_mu_;
  absl::flat_hash_map<std::uint16_t, int> accept_waiters_;
  bool handed_over_ = false;  // a lingering child has the stack now
  [[noreturn]] void run_lingering(Instant since);
  // Set while the stack starts: calls made by DPDK itself, not the application.
  static inline thread_local bool internal_ = false;

 public:
  // Held by the one waiting thread that polls for the adaptive window and
  // goes on while frames keep arriving (see wait()).
  std::atomic<bool> keep_polling_{false};
  std::atomic<std::uint64_t> migrations_{0};  // connections moved to their user's shard
  // Where waiting threads spent their time (PERCORE_STATS): polling rounds
  // that found no frame, and parked in ppoll. What is left of a thread's
  // CPU time is the application's work and the stack's.
  std::atomic<std::uint64_t> empty_poll_ns_{0};
  std::atomic<std::uint64_t> parked_ns_{0};
};

// A thread blocked in accept() on `port`, for as long as it waits.
class AcceptWaiting {
 public:
  explicit AcceptWaiting(std::uint16_t port) : port_(port) {
    Runtime::get().accept_waiting(port_, +1);
  }
  ~AcceptWaiting() { Runtime::get().accept_waiting(port_, -1); }
  AcceptWaiting(const AcceptWaiting&) = delete;
  AcceptWaiting& operator=(const AcceptWaiting&) = delete;

 private:
  std::uint16_t port_;
};

}  // namespace percore::preload
