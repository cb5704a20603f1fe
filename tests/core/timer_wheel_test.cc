#include "stack/core/timer_wheel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <vector>

namespace percore::core {
namespace {

constexpr Instant kStart{};  // the fake clock's epoch

Instant at(Duration d) { return kStart + d; }

struct Expiry {
  std::uint32_t tag;
  Instant deadline;
  Instant now;  // the advance() that reported it
};

// A wheel driven by a fake clock that records what fired and when.
class WheelTest : public ::testing::Test {
 protected:
  std::vector<std::uint32_t> advance_to(Duration d) {
    std::vector<std::uint32_t> tags;
    const Instant now = at(d);
    wheel_.advance(now, [&](Timer& t) {
      tags.push_back(t.tag());
      expiries_.push_back({t.tag(), t.deadline(), now});
    });
    return tags;
  }

  TimerWheel wheel_{kStart};  // 1 ms ticks, 4096 slots
  std::vector<Expiry> expiries_;
};

using Tags = std::vector<std::uint32_t>;

TEST_F(WheelTest, FiresAtItsDeadlineAndNeverBefore) {
  Timer t(1);
  wheel_.arm(t, at(10ms + 300us));
  EXPECT_TRUE(t.armed());
  EXPECT_EQ(advance_to(10ms), Tags{});
  EXPECT_EQ(advance_to(10ms + 300us - 1ns), Tags{});
  EXPECT_TRUE(t.armed());
  EXPECT_EQ(advance_to(10ms + 300us), Tags{1});
  EXPECT_FALSE(t.armed());
  EXPECT_EQ(wheel_.size(), 0u);
  EXPECT_EQ(advance_to(20ms), Tags{});
}

TEST_F(WheelTest, FiresOnlyTheDueTimersOfTheCurrentTick) {
  Timer early(1), late(2);
  wheel_.arm(early, at(10ms + 100us));
  wheel_.arm(late, at(10ms + 500us));  // same 1 ms tick
  EXPECT_EQ(advance_to(10ms + 300us), Tags{1});
  EXPECT_TRUE(late.armed());
  EXPECT_EQ(wheel_.next_deadline(), at(10ms + 500us));
  EXPECT_EQ(advance_to(10ms + 499us), Tags{});
  EXPECT_EQ(advance_to(10ms + 500us), Tags{2});
}

TEST_F(WheelTest, FiresAtMostOneTickLateWhenAdvancedEveryTick) {
  std::vector<std::unique_ptr<Timer>> timers;
  const std::vector<Duration> deadlines = {0ns, 1ns, 999us, 1ms, 1ms + 1ns, 7ms + 500us,
                                           4095ms, 4096ms, 4096ms + 1ns, 4097ms + 999999ns,
                                           9000ms + 123us};
  for (std::uint32_t i = 0; i < deadlines.size(); ++i) {
    timers.push_back(std::make_unique<Timer>(i));
    wheel_.arm(*timers.back(), at(deadlines[i]));
  }
  for (Duration now = 0ms; now <= 10s; now += 1ms) advance_to(now);
  ASSERT_EQ(expiries_.size(), deadlines.size());
  for (const Expiry& e : expiries_) {
    EXPECT_GE(e.now, e.deadline) << "tag " << e.tag;
    EXPECT_LT(e.now - e.deadline, 1ms) << "tag " << e.tag;
  }
}

TEST_F(WheelTest, AnEarlierNowCountsAsTheLatestOne) {
  Timer t(1);
  advance_to(50ms);
  wheel_.arm(t, at(40ms));
  EXPECT_EQ(advance_to(30ms), Tags{1});
}

TEST_F(WheelTest, FiresInDeadlineOrder) {
  std::vector<std::unique_ptr<Timer>> timers;
  std::vector<std::uint32_t> order = {7, 3, 9, 0, 5, 1, 8, 2, 6, 4};
  for (std::uint32_t tag : order) {
    timers.push_back(std::make_unique<Timer>(tag));
    // Spans level 0, level 1 and a cascade boundary at 4096 ms.
    wheel_.arm(*timers.back(), at(tag * 1500ms + 3ms));
  }
  EXPECT_EQ(advance_to(20s), (Tags{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST_F(WheelTest, CancelledTimerDoesNotFire) {
  Timer a(1), b(2);
  wheel_.arm(a, at(5ms));
  wheel_.arm(b, at(6ms));
  wheel_.cancel(a);
  EXPECT_FALSE(a.armed());
  EXPECT_EQ(wheel_.size(), 1u);
  wheel_.cancel(a);  // not armed: no-op
  EXPECT_EQ(wheel_.size(), 1u);
  EXPECT_EQ(advance_to(10ms), Tags{2});
  EXPECT_EQ(wheel_.size(), 0u);
}

TEST_F(WheelTest, RearmEarlierMovesTheTimer) {
  Timer t(1);
  wheel_.arm(t, at(100ms));
  wheel_.arm(t, at(50ms));
  EXPECT_EQ(wheel_.size(), 1u);
  EXPECT_EQ(t.deadline(), at(50ms));
  EXPECT_EQ(advance_to(49ms), Tags{});
  EXPECT_EQ(advance_to(50ms), Tags{1});
  EXPECT_EQ(advance_to(200ms), Tags{});
}

TEST_F(WheelTest, RearmLaterMovesTheTimer) {
  Timer t(1);
  wheel_.arm(t, at(50ms));
  wheel_.arm(t, at(2h));
  EXPECT_EQ(wheel_.size(), 1u);
  EXPECT_EQ(advance_to(50ms), Tags{});
  EXPECT_EQ(advance_to(2h - 1ns), Tags{});
  EXPECT_EQ(advance_to(2h), Tags{1});
}

TEST_F(WheelTest, PastDeadlineFiresAtNextAdvance) {
  Timer t(1);
  advance_to(10s);
  wheel_.arm(t, at(1s));
  EXPECT_EQ(wheel_.next_deadline(), at(1s));
  EXPECT_EQ(advance_to(10s), Tags{1});
}

// Documented choice: a timer armed inside on_expire with a deadline <= now
// fires at the next advance(), not the one running.
TEST_F(WheelTest, TimerRearmedDueNowInsideOnExpireFiresAtNextAdvance) {
  Timer t(1);
  wheel_.arm(t, at(10ms));
  int fired = 0;
  auto rearm_now = [&](Timer& x) {
    ++fired;
    wheel_.arm(x, at(10ms));
  };
  // The advance runs past the deadline's tick, so the re-armed timer would
  // be due again in it.
  EXPECT_EQ(wheel_.advance(at(15ms), rearm_now), 1u);
  EXPECT_EQ(fired, 1);
  EXPECT_TRUE(t.armed());
  EXPECT_EQ(wheel_.next_deadline(), at(10ms));
  EXPECT_EQ(wheel_.advance(at(15ms), rearm_now), 1u);
  EXPECT_EQ(fired, 2);
}

TEST_F(WheelTest, OtherTimerArmedDueInsideOnExpireFiresAtNextAdvance) {
  Timer a(1), b(2);
  wheel_.arm(a, at(10ms));
  std::vector<std::uint32_t> tags;
  auto record = [&](Timer& x) {
    tags.push_back(x.tag());
    if (&x == &a) wheel_.arm(b, at(15ms));  // due: <= the advance's now
  };
  wheel_.advance(at(20ms), record);
  EXPECT_EQ(tags, Tags{1});
  EXPECT_TRUE(b.armed());
  wheel_.advance(at(20ms), record);
  EXPECT_EQ(tags, (Tags{1, 2}));
}

TEST_F(WheelTest, PeriodicTimerRearmedInsideOnExpireKeepsItsPeriod) {
  Timer t(1);
  wheel_.arm(t, at(40ms));
  std::vector<Instant> fired_at;
  Instant now;
  auto periodic = [&](Timer& x) {
    fired_at.push_back(now);
    wheel_.arm(x, x.deadline() + 40ms);
  };
  for (Duration d = 0ms; d <= 200ms; d += 1ms) {
    now = at(d);
    wheel_.advance(now, periodic);
  }
  EXPECT_EQ(fired_at, (std::vector<Instant>{at(40ms), at(80ms), at(120ms), at(160ms), at(200ms)}));
}

TEST_F(WheelTest, CancelInsideOnExpireStopsAnotherDueInSameTick) {
  Timer a(1), b(2);
  wheel_.arm(a, at(5ms + 100us));
  wheel_.arm(b, at(5ms + 200us));
  int fired = 0;
  wheel_.advance(at(6ms), [&](Timer& x) {
    ++fired;
    wheel_.cancel(&x == &a ? b : a);
  });
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(wheel_.size(), 0u);
  EXPECT_FALSE(a.armed());
  EXPECT_FALSE(b.armed());
}

TEST_F(WheelTest, CancelInsideOnExpireStopsAnotherDueLaterInSameAdvance) {
  Timer a(1), b(2);
  wheel_.arm(a, at(5ms));
  wheel_.arm(b, at(5s));  // a different level, cascaded during this advance
  std::vector<std::uint32_t> tags;
  wheel_.advance(at(10s), [&](Timer& x) {
    tags.push_back(x.tag());
    wheel_.cancel(b);
  });
  EXPECT_EQ(tags, Tags{1});
  EXPECT_EQ(wheel_.size(), 0u);
}

TEST_F(WheelTest, RearmInsideOnExpireToTheFuturePostponesAnotherDueTimer) {
  Timer a(1), b(2);
  wheel_.arm(a, at(5ms));
  wheel_.arm(b, at(7ms));
  std::vector<std::uint32_t> tags;
  auto record = [&](Timer& x) {
    tags.push_back(x.tag());
    if (&x == &a) wheel_.arm(b, at(30ms));
  };
  wheel_.advance(at(10ms), record);
  EXPECT_EQ(tags, Tags{1});
  wheel_.advance(at(29ms), record);
  EXPECT_EQ(tags, Tags{1});
  wheel_.advance(at(30ms), record);
  EXPECT_EQ(tags, (Tags{1, 2}));
}

TEST_F(WheelTest, DestructorCancels) {
  Timer keep(1);
  wheel_.arm(keep, at(20ms));
  {
    Timer gone(2);
    wheel_.arm(gone, at(10ms));
    EXPECT_EQ(wheel_.size(), 2u);
  }
  EXPECT_EQ(wheel_.size(), 1u);
  EXPECT_EQ(wheel_.next_deadline(), at(20ms));
  EXPECT_EQ(advance_to(1s), Tags{1});
}

TEST(TimerWheel, TimerOutlivingItsWheelIsDisarmed) {
  Timer t;
  {
    TimerWheel wheel(kStart);
    wheel.arm(t, at(1s));
  }
  EXPECT_FALSE(t.armed());
}

TEST(TimerWheel, ArmingInAnotherWheelMovesTheTimer) {
  TimerWheel first(kStart), second(kStart);
  Timer t(1);
  first.arm(t, at(5ms));
  second.arm(t, at(6ms));
  EXPECT_EQ(first.size(), 0u);
  EXPECT_EQ(second.size(), 1u);
  int fired = 0;
  EXPECT_EQ(first.advance(at(1s), [&](Timer&) { ++fired; }), 0u);
  EXPECT_EQ(second.advance(at(1s), [&](Timer&) { ++fired; }), 1u);
  EXPECT_EQ(fired, 1);
}

TEST_F(WheelTest, FarDeadlinesFireOnceOnTimeWithIrregularSteps) {
  // TIME_WAIT, max RTO, keepalive idle, and deadlines on level boundaries.
  const std::vector<Duration> deadlines = {60s, 120s, 2h, 2h + 1ns, 1h + 7ms,
                                           4096ms, 262144ms, 16777216ms, 4h + 59min};
  std::vector<std::unique_ptr<Timer>> timers;
  for (std::uint32_t i = 0; i < deadlines.size(); ++i) {
    timers.push_back(std::make_unique<Timer>(i));
    wheel_.arm(*timers.back(), at(deadlines[i]));
  }
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::int64_t> step_ns(1, 9'000'000'000);
  Duration now = 0ns;
  Duration previous = 0ns;
  std::map<std::uint32_t, std::pair<Duration, Duration>> window;  // tag -> (previous, now)
  while (now < 5h) {
    previous = now;
    // Mostly seconds-long steps, sometimes sub-tick ones.
    now += rng() % 4 == 0 ? Duration(rng() % 1'000'000) : Duration(step_ns(rng));
    for (std::uint32_t tag : advance_to(now)) {
      EXPECT_FALSE(window.contains(tag)) << "tag " << tag << " fired twice";
      window[tag] = {previous, now};
    }
  }
  ASSERT_EQ(window.size(), deadlines.size());
  for (const auto& [tag, w] : window) {
    EXPECT_LT(w.first, deadlines[tag]) << "tag " << tag << " fired late";
    EXPECT_GE(w.second, deadlines[tag]) << "tag " << tag << " fired early";
  }
}

TEST_F(WheelTest, LargeJumpFiresEveryDueTimerInOrder) {
  std::vector<std::unique_ptr<Timer>> timers;
  // 1000 timers spread over ~5 h, skipping thousands of revolutions at once.
  for (std::uint32_t i = 0; i < 1000; ++i) {
    timers.push_back(std::make_unique<Timer>(i));
    wheel_.arm(*timers.back(), at(i * 18s + 1ms));
  }
  const Tags first = advance_to(3h);  // i * 18 s + 1 ms <= 3 h  <=>  i <= 599
  ASSERT_EQ(first.size(), 600u);
  for (std::uint32_t i = 0; i < first.size(); ++i) EXPECT_EQ(first[i], i);
  EXPECT_EQ(wheel_.size(), 400u);
  EXPECT_EQ(wheel_.next_deadline(), at(600 * 18s + 1ms));
  EXPECT_EQ(advance_to(100h).size(), 400u);
  EXPECT_EQ(wheel_.size(), 0u);
}

TEST_F(WheelTest, NextDeadlineIsExactForAMix) {
  EXPECT_EQ(wheel_.next_deadline(), std::nullopt);
  Timer rto(1), delack(2), keepalive(3), time_wait(4);
  wheel_.arm(keepalive, at(2h));
  EXPECT_EQ(wheel_.next_deadline(), at(2h));
  wheel_.arm(time_wait, at(60s + 5us));
  EXPECT_EQ(wheel_.next_deadline(), at(60s + 5us));
  wheel_.arm(rto, at(200ms + 17ns));
  wheel_.arm(delack, at(200ms + 3ns));  // same tick as the RTO, earlier within it
  EXPECT_EQ(wheel_.next_deadline(), at(200ms + 3ns));
  wheel_.cancel(delack);
  EXPECT_EQ(wheel_.next_deadline(), at(200ms + 17ns));
  EXPECT_EQ(advance_to(200ms + 16ns), Tags{});
  EXPECT_EQ(wheel_.next_deadline(), at(200ms + 17ns));
  EXPECT_EQ(advance_to(201ms), Tags{1});
  EXPECT_EQ(wheel_.next_deadline(), at(60s + 5us));
  wheel_.cancel(time_wait);
  EXPECT_EQ(wheel_.next_deadline(), at(2h));
  wheel_.arm(rto, at(1h + 1ns));
  EXPECT_EQ(wheel_.next_deadline(), at(1h + 1ns));
  EXPECT_EQ(advance_to(1h + 1ns), Tags{1});
  EXPECT_EQ(wheel_.next_deadline(), at(2h));
  EXPECT_EQ(advance_to(2h), Tags{3});
  EXPECT_EQ(wheel_.next_deadline(), std::nullopt);
}

// Drives the wheel and a trivially correct model (timer -> deadline) with
// the same random operations, including arms and cancels from on_expire.
struct RandomConfig {
  Duration tick;
  std::size_t slots;
};

class WheelModelTest : public ::testing::TestWithParam<RandomConfig> {};

TEST_P(WheelModelTest, MatchesReferenceModel) {
  const RandomConfig config = GetParam();
  TimerWheel wheel(kStart, config.tick, config.slots);
  constexpr std::uint32_t kTimers = 256;
  std::vector<std::unique_ptr<Timer>> timers;
  for (std::uint32_t i = 0; i < kTimers; ++i) timers.push_back(std::make_unique<Timer>(i));

  std::map<std::uint32_t, Instant> model;
  std::mt19937_64 rng(20240611);
  Instant now = kStart;

  auto random_delay = [&]() -> Duration {
    switch (rng() % 8) {
      case 0: return -Duration(rng() % 1'000'000'000);  // already in the past
      case 1: return Duration(rng() % 2'000'000);       // within a couple of ticks
      case 2: return Duration(rng() % 3'600'000'000'000 * 3);  // up to 3 h
      case 3: return Duration(rng() % 300'000'000'000);        // up to 5 min
      default: return Duration(rng() % 5'000'000'000);         // up to 5 s
    }
  };
  auto random_step = [&]() -> Duration {
    switch (rng() % 10) {
      case 0: return 0ns;
      case 1: return Duration(rng() % 600'000'000'000);  // up to 10 min
      case 2: return Duration(rng() % 100'000);          // sub-tick
      default: return Duration(rng() % 50'000'000);      // up to 50 ms
    }
  };

  for (int op = 0; op < 100'000; ++op) {
    const std::uint32_t id = static_cast<std::uint32_t>(rng() % kTimers);
    switch (rng() % 8) {
      case 0:
      case 1:
      case 2: {
        const Instant deadline = now + random_delay();
        wheel.arm(*timers[id], deadline);
        model[id] = deadline;
        break;
      }
      case 3:
        wheel.cancel(*timers[id]);
        model.erase(id);
        break;
      default: {
        now += random_step();
        std::set<std::uint32_t> armed_during;  // due ones must wait for the next advance
        std::size_t reported = 0;
        const std::size_t fired = wheel.advance(now, [&](Timer& t) {
          ++reported;
          const auto it = model.find(t.tag());
          ASSERT_NE(it, model.end()) << "fired a timer that is not armed";
          ASSERT_EQ(it->second, t.deadline());
          ASSERT_LE(t.deadline(), now) << "fired early";
          ASSERT_FALSE(armed_during.contains(t.tag())) << "armed due in on_expire, fired now";
          ASSERT_FALSE(t.armed());
          model.erase(it);
          // React as TCP would: re-arm self, cancel or arm another.
          const std::uint32_t other = static_cast<std::uint32_t>(rng() % kTimers);
          switch (rng() % 4) {
            case 0: {
              const Instant deadline = now + random_delay();
              wheel.arm(t, deadline);
              model[t.tag()] = deadline;
              if (deadline <= now) armed_during.insert(t.tag());
              break;
            }
            case 1:
              wheel.cancel(*timers[other]);
              model.erase(other);
              armed_during.erase(other);
              break;
            case 2: {
              const Instant deadline = now + random_delay();
              wheel.arm(*timers[other], deadline);
              model[other] = deadline;
              if (deadline <= now) {
                armed_during.insert(other);
              } else {
                armed_during.erase(other);
              }
              break;
            }
            default: break;
          }
        });
        ASSERT_FALSE(::testing::Test::HasFatalFailure()) << "op " << op;
        ASSERT_EQ(fired, reported);
        for (const auto& [tag, deadline] : model) {
          ASSERT_TRUE(deadline > now || armed_during.contains(tag))
              << "op " << op << ": timer " << tag << " due but not fired";
        }
        break;
      }
    }
    ASSERT_EQ(wheel.size(), model.size()) << "op " << op;
    std::optional<Instant> earliest;
    for (const auto& [tag, deadline] : model) {
      if (!earliest || deadline < *earliest) earliest = deadline;
    }
    ASSERT_EQ(wheel.next_deadline(), earliest) << "op " << op;
    for (std::uint32_t i = 0; i < kTimers; i += 37) {
      ASSERT_EQ(timers[i]->armed(), model.contains(i)) << "op " << op;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, WheelModelTest,
                         ::testing::Values(RandomConfig{1ms, 4096}, RandomConfig{1ms, 16},
                                           RandomConfig{100us, 256}, RandomConfig{10ms, 1}));

}  // namespace
}  // namespace percore::core
