// A hierarchical timing wheel for every per-shard timer (TCP RTO, delayed
// ACK, persist, keepalive, TIME_WAIT). Timers are intrusive: the Timer node
// lives inside its owner, so arm and cancel are O(1) and never allocate.
// Expiry is reported through a callback argument to advance(); the caller
// maps the Timer& back to its owner by address or by tag().
//
// Far deadlines use hierarchical levels (Varghese & Lauck's scheme 7) rather
// than re-bucketing, so a 2 h keepalive is not rescanned every revolution.
// Level 0 has `slots` slots of one tick each; every level above has 64 slots
// (one bitmap word), each 64x wider than a slot of the level below. A timer
// sits on the lowest level where its deadline tick and the current tick
// still share all the bits above that level, and moves down ("cascades")
// when the current tick enters its slot. The levels cover every 64-bit tick,
// so there is no overflow list; with 1 ms ticks and 4096 slots a 2 h
// keepalive starts on level 2 and cascades at most twice. Each level holds
// only deadlines later than all those on the levels below it, so the
// earliest timer is in the first occupied slot of the lowest occupied level:
// next_deadline() is exact and advance() jumps over empty ticks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/functional/function_ref.h"
#include "stack/core/time.h"

namespace percore::core {

class TimerWheel;

class Timer {
 public:
  explicit Timer(std::uint32_t tag = 0) : tag_(tag) {}
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  bool armed() const { return wheel_ != nullptr; }
  // The deadline of the last arm(); still set while on_expire runs.
  Instant deadline() const { return deadline_; }
  std::uint32_t tag() const { return tag_; }

 private:
  friend class TimerWheel;

  // Intrusive list links (Linux hlist): `pprev_` points at whichever pointer
  // points at this node, so unlinking needs neither the head nor a sentinel.
  Timer* next_ = nullptr;
  Timer** pprev_ = nullptr;
  TimerWheel* wheel_ = nullptr;
  Instant deadline_{};
  std::uint64_t tick_ = 0;  // deadline in wheel ticks, clamped to the tick it was placed at
  std::uint32_t tag_;
  std::uint32_t slot_ = 0;
  std::uint8_t level_ = 0;  // a wheel level, or kFiring / kDeferred
};

class TimerWheel {
 public:
  // `slots` (level 0) must be a power of two; `tick` must be positive.
  explicit TimerWheel(Instant start, Duration tick = std::chrono::milliseconds(1),
                      std::size_t slots = 4096);
  ~TimerWheel();
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  // Arms `t` to expire at `deadline`, moving it if it is already armed (in
  // this wheel or another). A deadline at or before the current time fires
  // at the next advance().
  void arm(Timer& t, Instant deadline);
  // No-op when `t` is not armed.
  void cancel(Timer& t);

  // Fires every armed timer whose deadline is <= now, each exactly once and
  // in deadline-tick order (timers within one tick in no set order): never
  // before its deadline, and never later than the first advance() whose
  // `now` reaches it. An earlier `now` than a previous call counts as that
  // previous time. Before on_expire(t) runs, t is disarmed. on_expire may arm
  // or cancel any timer: cancelling one that is due later in this same
  // advance stops it firing; a timer it arms with a deadline <= now fires at
  // the *next* advance(), not this one, so a timer that re-arms itself "now"
  // cannot loop forever. on_expire must not call advance(). Returns the
  // number of timers fired.
  std::size_t advance(Instant now, absl::FunctionRef<void(Timer&)> on_expire);

  // The earliest armed deadline (exact), or nullopt when nothing is armed.
  // Cached, so calling it every loop iteration costs a compare.
  std::optional<Instant> next_deadline() const;

  std::size_t size() const { return size_; }

 private:
  static constexpr unsigned kUpperBits = 6;  // 64 slots per level above 0
  static constexpr std::uint8_t kFiring = 0xfe;
  static constexpr std::uint8_t kDeferred = 0xff;

  struct Event {
    std::uint64_t tick;
    unsigned level;
    std::uint32_t slot;
  };

  std::uint64_t tick_of(Instant t) const;
  unsigned lo_bit(unsigned level) const;  // lowest tick bit that indexes `level`
  void place(Timer& t);
  void note_placed(Instant deadline);  // keeps min_ exact after an arm
  void link(Timer& t, unsigned level, std::uint32_t slot);
  void unlink(Timer& t);
  std::size_t head_index(unsigned level, std::uint32_t slot) const;
  void set_occupied(unsigned level, std::uint32_t slot);
  void clear_occupied(unsigned level, std::uint32_t slot);
  std::optional<Event> next_event() const;
  void cascade(const Event& e);
  void move_to_firing(Timer& t);
  std::size_t fire(absl::FunctionRef<void(Timer&)> on_expire);
  std::optional<Instant> wheel_min() const;

  Instant start_;
  Duration tick_;
  unsigned level0_bits_;
  unsigned levels_;
  std::uint64_t cur_ = 0;  // every tick before this one is empty
  Instant now_;            // the latest `now` given to advance()
  std::size_t size_ = 0;
  std::size_t in_wheel_ = 0;  // armed timers held in slots (not firing or deferred)
  bool advancing_ = false;

  // Slot heads: level 0 first (`slots` of them), then 64 per upper level.
  std::vector<Timer*> heads_;
  std::vector<std::uint64_t> level0_bitmap_;
  std::size_t level0_count_ = 0;
  std::vector<std::uint64_t> upper_bitmap_;  // one word per upper level

  Timer* firing_ = nullptr;    // due timers being reported by advance()
  Timer* deferred_ = nullptr;  // armed inside on_expire with a deadline <= now

  // Earliest deadline among timers in slots; `min_known_` false when it must
  // be recomputed (after the earliest was cancelled or fired).
  mutable Instant min_{};
  mutable bool min_known_ = false;
};

}  // namespace percore::core
