#include "stack/core/timer_wheel.h"

#include <algorithm>
#include <bit>
#include <cassert>

namespace percore::core {

Timer::~Timer() {
  if (wheel_ != nullptr) wheel_->cancel(*this);
}

TimerWheel::TimerWheel(Instant start, Duration tick, std::size_t slots)
    : start_(start), tick_(tick), now_(start) {
  assert(tick > Duration::zero());
  assert(std::has_single_bit(slots) && slots <= (std::size_t{1} << 24));
  level0_bits_ = static_cast<unsigned>(std::countr_zero(slots));
  // Enough 64-slot levels above level 0 to cover every 64-bit tick.
  levels_ = 1 + (64 - level0_bits_ + kUpperBits - 1) / kUpperBits;
  heads_.assign(slots + std::size_t{64} * (levels_ - 1), nullptr);
  level0_bitmap_.assign(std::max<std::size_t>(1, slots / 64), 0);
  upper_bitmap_.assign(levels_ - 1, 0);
}

TimerWheel::~TimerWheel() {
  auto release = [](Timer* t) {
    while (t != nullptr) {
      Timer* next = t->next_;
      t->next_ = nullptr;
      t->pprev_ = nullptr;
      t->wheel_ = nullptr;
      t = next;
    }
  };
  for (Timer* head : heads_) release(head);
  release(firing_);
  release(deferred_);
}

std::uint64_t TimerWheel::tick_of(Instant t) const {
  if (t <= start_) return 0;
  return static_cast<std::uint64_t>((t - start_).count() / tick_.count());
}

unsigned TimerWheel::lo_bit(unsigned level) const {
  return level == 0 ? 0 : level0_bits_ + kUpperBits * (level - 1);
}

std::size_t TimerWheel::head_index(unsigned level, std::uint32_t slot) const {
  if (level == 0) return slot;
  return (std::size_t{1} << level0_bits_) + std::size_t{64} * (level - 1) + slot;
}

void TimerWheel::arm(Timer& t, Instant deadline) {
  if (t.wheel_ != nullptr) t.wheel_->cancel(t);
  t.wheel_ = this;
  t.deadline_ = deadline;
  ++size_;
  if (advancing_ && deadline <= now_) {
    // Held back until advance() returns so that it fires at the next one.
    t.level_ = kDeferred;
    t.next_ = deferred_;
    if (deferred_ != nullptr) deferred_->pprev_ = &t.next_;
    deferred_ = &t;
    t.pprev_ = &deferred_;
    return;
  }
  t.tick_ = tick_of(deadline);
  place(t);
  note_placed(deadline);
}

void TimerWheel::note_placed(Instant deadline) {
  if (in_wheel_ == 1) {
    min_ = deadline;
    min_known_ = true;
  } else if (min_known_ && deadline < min_) {
    min_ = deadline;
  }
}

void TimerWheel::cancel(Timer& t) {
  if (t.wheel_ == nullptr) return;
  if (t.wheel_ != this) {
    t.wheel_->cancel(t);
    return;
  }
  const bool in_slot = t.level_ < kFiring;
  unlink(t);
  t.wheel_ = nullptr;
  --size_;
  if (in_slot && min_known_ && t.deadline_ == min_) min_known_ = false;
}

void TimerWheel::place(Timer& t) {
  // A deadline in a tick already passed belongs to the current tick.
  const std::uint64_t d = std::max(t.tick_, cur_);
  t.tick_ = d;
  const std::uint64_t differ = d ^ cur_;
  if ((differ >> level0_bits_) == 0) {
    link(t, 0, static_cast<std::uint32_t>(d & ((std::uint64_t{1} << level0_bits_) - 1)));
    return;
  }
  const auto top_bit = static_cast<unsigned>(std::bit_width(differ)) - 1;
  const unsigned level = 1 + (top_bit - level0_bits_) / kUpperBits;
  link(t, level, static_cast<std::uint32_t>((d >> lo_bit(level)) & 63));
}

void TimerWheel::link(Timer& t, unsigned level, std::uint32_t slot) {
  Timer*& head = heads_[head_index(level, slot)];
  t.level_ = static_cast<std::uint8_t>(level);
  t.slot_ = slot;
  t.next_ = head;
  if (head != nullptr) head->pprev_ = &t.next_;
  head = &t;
  t.pprev_ = &head;
  ++in_wheel_;
  if (level == 0) {
    ++level0_count_;
    level0_bitmap_[slot / 64] |= std::uint64_t{1} << (slot % 64);
  } else {
    upper_bitmap_[level - 1] |= std::uint64_t{1} << slot;
  }
}

void TimerWheel::unlink(Timer& t) {
  *t.pprev_ = t.next_;
  if (t.next_ != nullptr) t.next_->pprev_ = t.pprev_;
  t.next_ = nullptr;
  t.pprev_ = nullptr;
  if (t.level_ >= kFiring) return;
  --in_wheel_;
  if (t.level_ == 0) --level0_count_;
  if (heads_[head_index(t.level_, t.slot_)] != nullptr) return;
  if (t.level_ == 0) {
    level0_bitmap_[t.slot_ / 64] &= ~(std::uint64_t{1} << (t.slot_ % 64));
  } else {
    upper_bitmap_[t.level_ - 1] &= ~(std::uint64_t{1} << t.slot_);
  }
}

// The first occupied slot of the lowest occupied level. Every timer on a
// level is later than every timer on the levels below it, and within a level
// slots run forward from the current tick's slot without wrapping, so this
// slot holds the earliest timer and its start is the next tick at which the
// wheel has work (firing on level 0, cascading above).
std::optional<TimerWheel::Event> TimerWheel::next_event() const {
  if (level0_count_ > 0) {
    const auto mask = (std::uint64_t{1} << level0_bits_) - 1;
    const auto from = static_cast<std::uint32_t>(cur_ & mask);
    for (std::size_t w = from / 64; w < level0_bitmap_.size(); ++w) {
      std::uint64_t bits = level0_bitmap_[w];
      if (w == from / 64) bits &= ~std::uint64_t{0} << (from % 64);
      if (bits == 0) continue;
      const auto slot = static_cast<std::uint32_t>(w * 64 + std::countr_zero(bits));
      return Event{(cur_ & ~mask) | slot, 0, slot};
    }
    assert(false && "level 0 holds a slot behind the current tick");
  }
  for (unsigned level = 1; level < levels_; ++level) {
    const std::uint64_t bits = upper_bitmap_[level - 1];
    if (bits == 0) continue;
    const unsigned lo = lo_bit(level);
    const unsigned hi = lo + kUpperBits;
    const auto slot = static_cast<std::uint32_t>(std::countr_zero(bits));
    assert(slot > ((cur_ >> lo) & 63));
    const std::uint64_t base = hi >= 64 ? 0 : (cur_ >> hi) << hi;
    return Event{base | (std::uint64_t{slot} << lo), level, slot};
  }
  return std::nullopt;
}

void TimerWheel::cascade(const Event& e) {
  Timer*& head = heads_[head_index(e.level, e.slot)];
  while (Timer* t = head) {
    unlink(*t);
    place(*t);
    assert(t->level_ < e.level);
  }
}

void TimerWheel::move_to_firing(Timer& t) {
  unlink(t);
  t.level_ = kFiring;
  t.next_ = firing_;
  if (firing_ != nullptr) firing_->pprev_ = &t.next_;
  firing_ = &t;
  t.pprev_ = &firing_;
}

std::size_t TimerWheel::fire(absl::FunctionRef<void(Timer&)> on_expire) {
  min_known_ = false;
  std::size_t fired = 0;
  // Unlinked one at a time, so on_expire can cancel or re-arm any of them.
  while (Timer* t = firing_) {
    unlink(*t);
    t->wheel_ = nullptr;
    --size_;
    ++fired;
    on_expire(*t);
  }
  return fired;
}

std::size_t TimerWheel::advance(Instant now, absl::FunctionRef<void(Timer&)> on_expire) {
  assert(!advancing_ && "advance() called from on_expire");
  now_ = std::max(now_, now);
  const std::uint64_t target = tick_of(now_);
  if (in_wheel_ == 0) {
    cur_ = target;
    return 0;
  }
  // The common case in a polling loop: nothing due. cur_ may lag behind;
  // placement relative to an older tick is still correct.
  if (now_ < *wheel_min()) return 0;

  advancing_ = true;
  std::size_t fired = 0;
  for (;;) {
    const auto e = next_event();
    if (!e || e->tick > target) {
      cur_ = target;
      break;
    }
    cur_ = e->tick;
    if (e->level > 0) {
      cascade(*e);
      continue;
    }
    Timer*& head = heads_[head_index(0, e->slot)];
    if (e->tick < target) {
      // The whole tick has passed: every timer in it is due.
      while (Timer* t = head) move_to_firing(*t);
      fired += fire(on_expire);
      continue;
    }
    // The current tick: only the deadlines up to `now` are due.
    if (now_ < *wheel_min()) break;
    for (Timer* t = head; t != nullptr;) {
      Timer* next = t->next_;
      if (t->deadline_ <= now_) move_to_firing(*t);
      t = next;
    }
    fired += fire(on_expire);
    break;
  }
  advancing_ = false;

  while (Timer* t = deferred_) {
    unlink(*t);
    t->tick_ = tick_of(t->deadline_);
    place(*t);
    note_placed(t->deadline_);
  }
  return fired;
}

std::optional<Instant> TimerWheel::wheel_min() const {
  if (in_wheel_ == 0) return std::nullopt;
  if (!min_known_) {
    const auto e = next_event();
    assert(e.has_value());
    Instant earliest = Instant::max();
    for (const Timer* t = heads_[head_index(e->level, e->slot)]; t != nullptr; t = t->next_) {
      earliest = std::min(earliest, t->deadline_);
    }
    min_ = earliest;
    min_known_ = true;
  }
  return min_;
}

std::optional<Instant> TimerWheel::next_deadline() const {
  std::optional<Instant> earliest = wheel_min();
  // Only non-empty while advance() is reporting expiries.
  for (const Timer* list : {firing_, deferred_}) {
    for (const Timer* t = list; t != nullptr; t = t->next_) {
      if (!earliest || t->deadline_ < *earliest) earliest = t->deadline_;
    }
  }
  return earliest;
}

}  // namespace percore::core
