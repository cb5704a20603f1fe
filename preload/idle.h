// How long a waiting thread sleeps between polls of the device. Most
// devices percore drives give no RX wake-up (net_af_packet has none), so a
// parked thread and the progress thread wake every tick to poll; each wake
// costs ~15 µs of CPU on a virtual machine, ~3% of a core for an idle server
// at the default 1 ms tick. Once no frame has gone in or out on any shard
// for `idle_after`, the ticks lengthen to `deep_tick` (bounded): an idle
// server then wakes a few hundred times a second, and pays up to one deep
// tick on the first frame after its idleness. The first frame seen ends
// the deep ticks at once, so request-response traffic (frames every few
// milliseconds at most) never parks deeply.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "stack/core/time.h"

namespace percore::preload {

class IdleTicks {
 public:
  // `deep_tick` shorter than `tick` is taken as `tick` (no deep parking).
  IdleTicks(Duration tick, Duration deep_tick, Duration idle_after, Instant start)
      : tick_(tick),
        deep_tick_(std::max(tick, deep_tick)),
        idle_after_(idle_after),
        last_traffic_ns_(start.time_since_epoch().count()) {}

  // A frame went in or out at `t`. Any thread, without a lock.
  void traffic(Instant t) {
    const std::int64_t ns = t.time_since_epoch().count();
    std::int64_t seen = last_traffic_ns_.load(std::memory_order_relaxed);
    while (seen < ns &&
           !last_traffic_ns_.compare_exchange_weak(seen, ns, std::memory_order_relaxed)) {
    }
  }

  // No frame for `idle_after` by `t`.
  bool deep(Instant t) const {
    const std::int64_t last = last_traffic_ns_.load(std::memory_order_relaxed);
    return t.time_since_epoch().count() - last >= idle_after_.count();
  }

  // How long to sleep at `t` before polling again.
  Duration tick(Instant t) const { return deep(t) ? deep_tick_ : tick_; }
  // The same for a thread that does not bound its sleep by the timers
  // itself (the progress thread): a deep tick ends at the earliest timer
  // `next_timer`, but is never shorter than the normal tick, so timers run
  // no later than they did with the normal tick.
  Duration tick(Instant t, Instant next_timer) const {
    if (!deep(t)) return tick_;
    if (next_timer >= t + deep_tick_) return deep_tick_;
    return std::max<Duration>(tick_, next_timer - t);
  }
  Duration normal_tick() const { return tick_; }

 private:
  Duration tick_;
  Duration deep_tick_;
  Duration idle_after_;
  std::atomic<std::int64_t> last_traffic_ns_;
};

// How long a waiting thread polls before it parks. A thread parked on a
// device without RX wake-ups learns of a frame only at its next tick, so a
// request that arrives just after its server parked waits up to a tick
// (memcached with 16 connections over memif served a third of what it did
// with spinning, its requests waiting in ticks). The window adapts the way
// Linux's cpuidle haltpoll governor adapts its poll time: a park whose tick
// ended with frames waiting was too early, and the window doubles, up to
// `max`; a tick that ended with nothing means the wait was long, and the
// window halves, down to `base`. A steady stream of requests keeps one
// thread polling across its gaps; an idle stack is back at `base` within a
// few ticks. Any thread, without a lock: a lost update costs one step.
class SpinWindow {
 public:
  // `max` shorter than `base` is taken as `base` (no adapting).
  SpinWindow(Duration base, Duration max)
      : base_(base), max_(std::max(base, max)), ns_(base.count()) {}

  Duration get() const { return Duration(ns_.load(std::memory_order_relaxed)); }

  // A park ran out its tick; `frames_waiting`: the poll after it found some.
  void park_ended(bool frames_waiting) {
    const std::int64_t ns = ns_.load(std::memory_order_relaxed);
    const std::int64_t next = frames_waiting
                                  ? std::min<std::int64_t>(std::max<std::int64_t>(ns * 2, 1), max_.count())
                                  : std::max<std::int64_t>(ns / 2, base_.count());
    if (next != ns) ns_.store(next, std::memory_order_relaxed);
  }

  Duration max() const { return max_; }

 private:
  Duration base_;
  Duration max_;
  std::atomic<std::int64_t> ns_;
};

}  // namespace percore::preload
