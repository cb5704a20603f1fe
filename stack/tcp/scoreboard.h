// The sender's SACK scoreboard (RFC 6675 3, fed by RFC 2018 blocks): for the
// data in flight [SND.UNA, SND.MAX), which octets the receiver has SACKed and
// which the sender has retransmitted in the current recovery, and RFC 6675
// 4's questions over them (IsLost, SetPipe, NextSeg). It holds sequence
// ranges, not per-segment records, so it stays small and needs no mbufs; the
// sender keeps RecoveryPoint, RescueRxt and DupAcks itself.
//
// Every query assumes update() has been called with the current SND.UNA
// (SND.MAX may have grown since, as new data went out).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "absl/container/inlined_vector.h"
#include "stack/wire/seq.h"
#include "stack/wire/tcp.h"

namespace percore::tcp {

// The sequence numbers [left, right): left is the first, right the one after
// the last, as in a SACK block (RFC 2018 3).
struct SeqRange {
  wire::Seq left;
  wire::Seq right;

  std::uint32_t len() const { return static_cast<std::uint32_t>(right - left); }
  friend bool operator==(const SeqRange&, const SeqRange&) = default;
};

// What RFC 6675 4 NextSeg() chose.
struct NextSegment {
  enum class Kind : std::uint8_t {
    Lost,      // rule (1): lost data, not yet retransmitted, below HighSACK
    NewData,   // rule (2): new data from SND.MAX; the sender clips len to what
               // it has and the receiver's window allows
    Unsacked,  // rule (3): unSACKed data below HighSACK not deemed lost
    Rescue,    // rule (4): the rescue retransmission, from rescue_seg()
  };

  wire::Seq from;
  std::uint32_t len = 0;
  Kind kind = Kind::Lost;

  friend bool operator==(const NextSegment&, const NextSegment&) = default;
};

class Scoreboard {
 public:
  static constexpr unsigned kDupThresh = 3;  // RFC 6675 2 DupThresh
  // Ranges held of each kind (SACKed, retransmitted). A range that would be
  // one too many drops the highest one, which may be the new one: the
  // information nearest SND.UNA is what IsLost and NextSeg act on, and the
  // receiver reports its recent blocks again (RFC 2018 4).
  static constexpr std::size_t kMaxRanges = 64;

  // Forgets every SACKed and retransmitted range: at connection start, and
  // after an RTO (RFC 6675 5.1, following RFC 2018 5: the receiver may have
  // reneged, so prior SACK information must not steer retransmission).
  void reset();

  // RFC 6675 4 Update(): drops what SND.UNA now covers and records the SACK
  // blocks of one ACK. A block must lie in (snd_una, snd_max] with left <
  // right, as Linux's tcp_is_sackblock_valid() demands; others (a D-SACK
  // below SND.UNA, RFC 2883; data never sent; an empty or reversed block)
  // are ignored. Returns the octets newly SACKed by this ACK: non-zero is
  // what makes it a duplicate acknowledgment under RFC 6675 2.
  std::uint32_t update(wire::Seq snd_una, wire::Seq snd_max,
                       std::span<const wire::SackBlock> blocks);

  // The sender retransmitted [from, to) (RFC 6675 5 (C.2): HighRxt). Kept per
  // range so NextSeg does not choose the octets again and SetPipe counts
  // them back in. Not for the rescue retransmission: RFC 6675 4 rule (4.b)
  // leaves HighRxt alone.
  void mark_retransmitted(wire::Seq from, wire::Seq to);

  // RACK (RFC 8985 6.2) deemed the retransmission of [from, to) lost: the
  // octets count as not retransmitted again, so SetPipe no longer counts
  // them and NextSeg may choose them once more.
  void mark_lost(wire::Seq from, wire::Seq to);

  // A new loss recovery begins (RFC 6675 5 step (4.3) starts HighRxt afresh):
  // forgets what earlier recoveries retransmitted, so data lost again can
  // be retransmitted again.
  void begin_recovery();

  bool is_sacked(wire::Seq seq) const;

  // RFC 6675 4 IsLost(SeqNum): DupThresh discontiguous SACKed ranges above
  // seq, or more than (DupThresh - 1) * mss octets SACKed above it. A SACKed
  // octet has arrived and is never lost.
  bool is_lost(wire::Seq seq, std::uint32_t mss) const;

  // RFC 6675 4 SetPipe(): over the unSACKed octets of [snd_una, snd_max),
  // one for each not lost (a) and one more for each retransmitted (b).
  std::uint32_t pipe(wire::Seq snd_una, wire::Seq snd_max, std::uint32_t mss) const;

  // RFC 6675 4 NextSeg(), rules (1) to (3) in order; the segment holds at
  // most mss octets and stops at SACKed or retransmitted data. nullopt is
  // NextSeg's failure: the sender may then try rescue_seg().
  std::optional<NextSegment> next_seg(wire::Seq snd_una, wire::Seq snd_max, std::uint32_t mss,
                                      bool new_data_available) const;

  // RFC 6675 4 NextSeg() rule (4.b): up to mss octets ending with the highest
  // unSACKed octet below snd_max. The sender checks (4.a), HighACK >
  // RescueRxt, and sets RescueRxt; nullopt when every octet is SACKed.
  std::optional<NextSegment> rescue_seg(wire::Seq snd_una, wire::Seq snd_max,
                                        std::uint32_t mss) const;

  // HighSACK: one past the highest SACKed octet (the right edge of the highest
  // block), or SND.UNA of the last update() when nothing is SACKed.
  wire::Seq high_sacked() const;
  // RFC 6675 2 HighRxt as one past the highest octet retransmitted since
  // begin_recovery() or reset(); nullopt when none was.
  std::optional<wire::Seq> high_rxt() const;

  std::uint32_t sacked_bytes() const { return sacked_bytes_; }
  std::size_t ranges() const { return sacked_.size(); }
  // The SACKed ranges, lowest first, disjoint and never adjacent.
  std::span<const SeqRange> sacked_ranges() const { return sacked_; }

 private:
  using Ranges = absl::InlinedVector<SeqRange, 4>;

  // The number of holes (unSACKed gaps below HighSACK, lowest first) that
  // IsLost() deems lost; they are always the lowest ones.
  std::size_t lost_holes(std::uint32_t mss) const;
  // The hole below sacked_[i]: from the range under it (or snd_una) to it.
  SeqRange hole(std::size_t i, wire::Seq snd_una) const;
  // The first run of at most mss octets in `within` not yet retransmitted.
  std::optional<SeqRange> first_not_retransmitted(SeqRange within, std::uint32_t mss) const;

  Ranges sacked_;         // lowest first, disjoint, never adjacent
  Ranges retransmitted_;  // likewise
  std::uint32_t sacked_bytes_ = 0;
  wire::Seq snd_una_;
};

}  // namespace percore::tcp
