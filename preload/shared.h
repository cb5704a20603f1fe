// Several processes on one device: a server that listens and then forks
// workers (nginx) ends up with one percore stack per worker, each driving
// its own DPDK instance over the same interface and each seeing every frame
// (af_packet, af_xdp in copy mode). They divide the work through this
// registry, in MAP_SHARED memory made before the fork and so inherited by
// every worker:
//   - a slot per process that runs a stack;
//   - per port, the slots that listen on it, and those of them that can
//     take a connection now (waiting in accept, or an event loop whose
//     accept found the queue empty);
//   - a claim table that names, for every connection a listener took, the
//     process that has it: the first process to see a SYN decides who
//     takes it (preferring one that can take it now, else by hash among
//     the listeners) with one compare-and-swap, and every process obeys
//     the claim, for that SYN and every later segment of the connection;
//   - active opens in a shared registry take ports = slot (mod kSlots), so
//     the connection's segments are claimed by their port;
//   - only the lowest live slot answers pings and resets segments nobody
//     owns.
// DPDK multi-process (a primary owning the port, workers as secondaries)
// is the other way DESIGN.md names; it needs hugepages and PMDs that serve
// secondaries, which af_packet and TAP do not. See docs/ARCHITECTURE.md.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <span>

#include "absl/container/flat_hash_set.h"
#include "stack/tcp/isn.h"
#include "stack/tcp/layer.h"

namespace percore::preload {

class SharedRegistry {
 public:
  static constexpr int kSlots = 64;
  using Admission = tcp::TcpLayer::Admission;

  // Made on first use (the first TCP socket): before any fork.
  static SharedRegistry& get();

  // Claims a slot for this process (reusing those of dead processes);
  // -1 when all are taken.
  int claim();
  void release(int slot);
  bool owns(int slot) const;  // the slot is this process's
  // Frees the slots (ports, claims) of processes that died.
  void reap();
  // An exiting process hands its connections to a lingering child. First
  // the slot stops taking new connections and answering for others
  // (linger), then it becomes the child's (hand_over): its claims and its
  // active opens' ports stay its own until the child releases it.
  void linger(int slot);
  void hand_over(int slot, pid_t pid);

  // Whether other processes may share the device: the registry came from
  // a parent, or another slot is live.
  bool shared(int slot) const;
  bool primary(int slot) const;

  void listen(std::uint16_t port, int slot);
  void unlisten(std::uint16_t port, int slot);
  // Whether `slot` can take a connection on `port` now: SYNs prefer such
  // a listener. Cleared as soon as a SYN is given to it.
  void set_available(std::uint16_t port, int slot, bool available);

  // How a listening process came to take a connection.
  enum class Taken : std::uint8_t {
    Claimed,   // the claim table names it
    Fallback,  // the tuple's bucket was busy: by hash among the listeners
  };
  struct Decision {
    Admission admission = Admission::Ignore;
    Taken taken = Taken::Claimed;  // when a SYN is accepted
  };
  // The decision for a segment with no connection in `slot`'s stack.
  // `held_by_fallback`: this process already took the tuple by hash (a
  // retransmitted SYN, or one that reuses its TIME-WAIT).
  Decision admit(const tcp::FourTuple& t, bool syn, int slot, bool held_by_fallback = false);
  // The connection `t` that `slot` took is gone (or never came to be).
  void ended(const tcp::FourTuple& t, int slot, Taken taken);

  // The claim table's bucket for `t` (tests look for tuples that share one).
  static std::size_t bucket_of(const tcp::FourTuple& t) { return key_of(t).bucket; }

 private:
  SharedRegistry() = default;

  // A claim: one word per bucket, so one compare-and-swap decides. The
  // bucket and the tag together are a bijective hash of the tuple (the
  // local address is the same for every process), so a tag names exactly
  // one tuple of its bucket.
  static constexpr int kBucketBits = 16;
  static constexpr std::uint64_t kTagMask = (std::uint64_t{1} << (64 - kBucketBits)) - 1;
  static constexpr int kOwnerShift = 64 - kBucketBits;  // slot + 1; 0: no claim
  static constexpr std::uint64_t kOwnerMask = std::uint64_t{0x7f} << kOwnerShift;
  // Connections taken by hash because the bucket was busy: while any is
  // alive the bucket takes no new claim, so a later SYN of one of them is
  // decided by the same hash.
  static constexpr int kFallbackShift = kOwnerShift + 7;
  static constexpr std::uint64_t kFallbackOne = std::uint64_t{1} << kFallbackShift;
  static constexpr std::uint64_t kFallbackMax = (std::uint64_t{1} << (64 - kFallbackShift)) - 1;

  struct Key {
    std::size_t bucket;
    std::uint64_t tag;
  };
  static Key key_of(const tcp::FourTuple& t);
  static int owner_of(std::uint64_t word) {
    return static_cast<int>((word & kOwnerMask) >> kOwnerShift) - 1;
  }
  static std::uint64_t fallbacks_of(std::uint64_t word) { return word >> kFallbackShift; }
  static void clear(std::span<std::atomic<std::uint64_t>> words, int slot);
  void drop_claims(int slot);
  void forget_slot(int slot);

  pid_t creator_ = 0;
  std::atomic<pid_t> slot_pid_[kSlots] = {};
  std::atomic<std::uint64_t> lingering_{0};  // slots that only finish what they have
  std::atomic<std::uint64_t> listeners_[65536] = {};
  std::atomic<std::uint64_t> available_[65536] = {};
  std::atomic<std::uint64_t> claims_[std::size_t{1} << kBucketBits] = {};
};

// One shard's admission in a shared registry: remembers which of its
// connections it took by hash (the claim table knows the others), so that
// their end is accounted for exactly once.
class ShardAdmission {
 public:
  ShardAdmission(SharedRegistry& registry, int slot) : registry_(registry), slot_(slot) {}
  SharedRegistry::Admission admit(const tcp::FourTuple& t, bool syn);
  void ended(const tcp::FourTuple& t);
  // A lingering process only finishes its connections: a segment it has
  // no connection for is never its own, and a claim made for it meanwhile
  // is given up so the peer's retransmission is decided anew.
  void set_lingering() { lingering_ = true; }

 private:
  SharedRegistry& registry_;
  int slot_;
  bool lingering_ = false;
  absl::flat_hash_set<tcp::FourTuple> fallback_;
};

}  // namespace percore::preload
