// PERCORE_FAULTS: loss, reordering, duplication, corruption and delay
// injected in the device layer, on rx after rte_eth_rx_burst and on tx before
// rte_eth_tx_burst. The kernel here has no netem, so this is how both
// percore's TCP and the Linux peer are made to recover from a bad link.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <expected>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "stack/core/time.h"

struct rte_mbuf;
struct rte_mempool;

namespace percore::dev {

struct FaultSpec {
  double loss = 0, reorder = 0, dup = 0, corrupt = 0;  // probabilities 0..1
  Duration delay{};                                    // added to every frame
  std::uint64_t seed = 1;

  // "loss=5%,reorder=10%,dup=1%,corrupt=1%,delay=2ms,seed=7": any subset, any
  // order. Probabilities as percentages (0..100%, decimals allowed) or
  // fractions (0..1); delay in ns/us/ms/s; "" or "none" means no faults.
  // Errors name the bad item.
  static std::expected<FaultSpec, std::string> parse(std::string_view text);

  bool any() const;
  // A string parse() accepts back ("none" when there are no faults).
  std::string to_string() const;
};

struct FaultStats {
  std::uint64_t frames = 0;  // frames given to apply()
  std::uint64_t lost = 0;
  std::uint64_t corrupted = 0;
  std::uint64_t duplicated = 0;    // duplicates sent
  std::uint64_t reordered = 0;     // frames held back to leave after their follower
  std::uint64_t delayed = 0;       // frames (duplicates included) held back by `delay`
  std::uint64_t overflowed = 0;    // frames let out early because kMaxHeld were held
  std::uint64_t alloc_failed = 0;  // duplicates or copies the pool could not supply
};

// One per direction per shard; single-threaded. Owns the frames it holds.
class FaultInjector {
 public:
  // Beyond this many held frames the oldest leaves early (counted in
  // `overflowed`) rather than being dropped silently.
  static constexpr std::size_t kMaxHeld = 4096;
  // A reordered frame with no follower leaves after this long.
  static constexpr Duration kReorderTimeout = 1ms;

  // Duplicates (and copies of shared frames before corrupting them) are
  // allocated from `pool`.
  FaultInjector(const FaultSpec& spec, rte_mempool* pool);
  ~FaultInjector();  // frees every frame still held
  FaultInjector(const FaultInjector&) = delete;
  FaultInjector& operator=(const FaultInjector&) = delete;

  // Passes `in` through the faults, first releasing held frames that are due.
  // Frames that leave now are appended to `out` (a lost frame is freed);
  // frames held back leave on a later call whose `now` reaches their release.
  void apply(std::span<rte_mbuf* const> in, std::vector<rte_mbuf*>& out, Instant now);
  // Releases the held frames that are due, with no new input (call every poll).
  void release(Instant now, std::vector<rte_mbuf*>& out);
  // When the next held frame is due; nullopt when none is held.
  std::optional<Instant> next_release() const;
  std::size_t held() const { return delayed_.size() + reorder_slot_.size(); }
  const FaultStats& stats() const { return stats_; }
  const FaultSpec& spec() const { return spec_; }

 private:
  struct Held {
    rte_mbuf* frame;
    Instant due;
  };

  bool chance(double p);
  // Flips one bit of the IPv4 packet; may replace `frame` by a private copy.
  void corrupt(rte_mbuf*& frame);
  // Lets `frame` out now when it is due and nothing is queued before it, else queues it.
  void forward(rte_mbuf* frame, Instant due, Instant now, std::vector<rte_mbuf*>& out);
  // Lets the oldest held frames out early while kMaxHeld are held.
  void make_room(std::vector<rte_mbuf*>& out);

  FaultSpec spec_;
  rte_mempool* pool_;
  std::mt19937_64 rng_;
  // Frames waiting for `delay`, in the order they leave (due times never decrease).
  std::deque<Held> delayed_;
  // A reordered frame (and its duplicate) waiting for the next frame that passes.
  absl::InlinedVector<rte_mbuf*, 2> reorder_slot_;
  Instant reorder_due_{};
  FaultStats stats_;
};

}  // namespace percore::dev
