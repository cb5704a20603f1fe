#include "stack/tcp/scoreboard.h"

#include <algorithm>

namespace percore::tcp {

namespace {

using wire::Seq;

Seq seq_min(Seq a, Seq b) { return a < b ? a : b; }
Seq seq_max(Seq a, Seq b) { return a < b ? b : a; }

// The octets in [from, to); none when to is not after from.
std::uint32_t octets(Seq from, Seq to) {
  return to > from ? static_cast<std::uint32_t>(to - from) : 0;
}

std::uint32_t overlap(SeqRange a, SeqRange b) {
  return octets(seq_max(a.left, b.left), seq_min(a.right, b.right));
}

// RFC 6675 4 IsLost(), given what is SACKed above the octet in question.
bool lost_by(std::size_t ranges_above, std::uint64_t octets_above, std::uint32_t mss) {
  return ranges_above >= Scoreboard::kDupThresh ||
         octets_above > std::uint64_t{Scoreboard::kDupThresh - 1} * mss;
}

// Drops what lies below snd_una or at and above snd_max.
template <typename Ranges>
void clip(Ranges& set, Seq snd_una, Seq snd_max) {
  set.erase(
      std::remove_if(set.begin(), set.end(),
                     [&](const SeqRange& r) { return r.right <= snd_una || r.left >= snd_max; }),
      set.end());
  if (!set.empty()) {
    set.front().left = seq_max(set.front().left, snd_una);
    set.back().right = seq_min(set.back().right, snd_max);
  }
}

// Adds r to a set of disjoint, non-adjacent ranges kept lowest first,
// merging the ranges it overlaps or touches. Returns the octets it added.
template <typename Ranges>
std::uint32_t add(Ranges& set, SeqRange r) {
  auto first =
      std::find_if(set.begin(), set.end(), [&](const SeqRange& s) { return s.right >= r.left; });
  auto last = first;
  std::uint32_t covered = 0;
  SeqRange merged = r;
  for (; last != set.end() && last->left <= r.right; ++last) {
    covered += overlap(*last, r);
    merged.left = seq_min(merged.left, last->left);
    merged.right = seq_max(merged.right, last->right);
  }
  std::uint32_t added = r.len() - covered;
  if (first == last) {
    set.insert(first, merged);
  } else {
    *first = merged;
    set.erase(first + 1, last);
  }
  if (set.size() > Scoreboard::kMaxRanges) {
    // Only a range that merged with nothing grows the set, so when it is the
    // highest it is the one dropped, and adds nothing.
    if (set.back() == merged) added = 0;
    set.pop_back();
  }
  return added;
}

}  // namespace

void Scoreboard::reset() {
  sacked_.clear();
  retransmitted_.clear();
  sacked_bytes_ = 0;
}

std::uint32_t Scoreboard::update(Seq snd_una, Seq snd_max,
                                 std::span<const wire::SackBlock> blocks) {
  snd_una_ = snd_una;
  // What SND.UNA covers is acknowledged and leaves the scoreboard.
  clip(sacked_, snd_una, snd_max);
  clip(retransmitted_, snd_una, snd_max);

  std::uint32_t newly_sacked = 0;
  for (const wire::SackBlock& block : blocks) {
    // Linux tcp_is_sackblock_valid(): a block starting at or below SND.UNA
    // is a D-SACK (RFC 2883) or stale, one past SND.MAX covers data never
    // sent, and an empty or reversed one means nothing.
    if (block.left <= snd_una || block.right <= block.left || block.right > snd_max) continue;
    newly_sacked += add(sacked_, SeqRange{block.left, block.right});
  }

  sacked_bytes_ = 0;
  for (const SeqRange& r : sacked_) sacked_bytes_ += r.len();
  return newly_sacked;
}

void Scoreboard::mark_retransmitted(Seq from, Seq to) {
  from = seq_max(from, snd_una_);
  if (to <= from) return;
  add(retransmitted_, SeqRange{from, to});
}

void Scoreboard::mark_lost(Seq from, Seq to) {
  Ranges kept;
  for (const SeqRange& r : retransmitted_) {
    if (r.right <= from || r.left >= to) {
      kept.push_back(r);
      continue;
    }
    if (r.left < from) kept.push_back(SeqRange{r.left, from});
    if (to < r.right) kept.push_back(SeqRange{to, r.right});
  }
  retransmitted_ = std::move(kept);
}

void Scoreboard::begin_recovery() { retransmitted_.clear(); }

bool Scoreboard::is_sacked(Seq seq) const {
  return std::any_of(sacked_.begin(), sacked_.end(),
                     [&](const SeqRange& r) { return r.left <= seq && seq < r.right; });
}

bool Scoreboard::is_lost(Seq seq, std::uint32_t mss) const {
  if (is_sacked(seq)) return false;
  std::size_t ranges_above = 0;
  std::uint64_t octets_above = 0;
  for (auto r = sacked_.rbegin(); r != sacked_.rend() && r->right > seq; ++r) {
    ++ranges_above;
    octets_above += octets(seq_max(r->left, seq + 1), r->right);
  }
  return lost_by(ranges_above, octets_above, mss);
}

std::size_t Scoreboard::lost_holes(std::uint32_t mss) const {
  // Every unSACKed octet in the hole below sacked_[i] has sacked_[i..] above
  // it, so IsLost() answers alike for the whole hole, and the lower a hole
  // the more lies above it: the lost holes are the lowest ones.
  std::uint64_t octets_above = 0;
  for (std::size_t i = sacked_.size(); i-- > 0;) {
    octets_above += sacked_[i].len();
    if (lost_by(sacked_.size() - i, octets_above, mss)) return i + 1;
  }
  return 0;
}

SeqRange Scoreboard::hole(std::size_t i, Seq snd_una) const {
  return SeqRange{i == 0 ? snd_una : sacked_[i - 1].right, sacked_[i].left};
}

std::optional<SeqRange> Scoreboard::first_not_retransmitted(SeqRange within,
                                                            std::uint32_t mss) const {
  Seq from = within.left;
  for (const SeqRange& r : retransmitted_) {
    if (r.right <= from) continue;
    if (r.left > from) break;
    from = r.right;
  }
  if (from >= within.right) return std::nullopt;
  Seq to = seq_min(within.right, from + mss);
  for (const SeqRange& r : retransmitted_) {
    if (r.left > from) {
      to = seq_min(to, r.left);
      break;
    }
  }
  return SeqRange{from, to};
}

std::uint32_t Scoreboard::pipe(Seq snd_una, Seq snd_max, std::uint32_t mss) const {
  std::uint32_t pipe = 0;

  // (a): the unSACKed octets IsLost() does not call lost, a hole at a time
  // from the top, the first one being above HighSACK.
  std::size_t ranges_above = 0;
  std::uint64_t octets_above = 0;
  Seq hole_end = snd_max;
  for (auto r = sacked_.rbegin(); r != sacked_.rend(); ++r) {
    if (!lost_by(ranges_above, octets_above, mss)) pipe += octets(r->right, hole_end);
    ++ranges_above;
    octets_above += r->len();
    hole_end = r->left;
  }
  if (!lost_by(ranges_above, octets_above, mss)) pipe += octets(snd_una, hole_end);

  // (b): each unSACKed octet retransmitted once more, lost or not.
  auto sacked = sacked_.begin();
  for (const SeqRange& r : retransmitted_) {
    const SeqRange in_flight{seq_max(r.left, snd_una), seq_min(r.right, snd_max)};
    std::uint32_t unsacked = octets(in_flight.left, in_flight.right);
    if (unsacked == 0) continue;
    while (sacked != sacked_.end() && sacked->right <= in_flight.left) ++sacked;
    for (auto s = sacked; s != sacked_.end() && s->left < in_flight.right; ++s) {
      unsacked -= overlap(*s, in_flight);
    }
    pipe += unsacked;
  }
  return pipe;
}

std::optional<NextSegment> Scoreboard::next_seg(Seq snd_una, Seq snd_max, std::uint32_t mss,
                                                bool new_data_available) const {
  const std::size_t lost = lost_holes(mss);

  // Rule (1): the lowest unSACKed octet that is (1.a) not yet retransmitted
  // (above HighRxt), (1.b) below HighSACK and (1.c) IsLost().
  for (std::size_t i = 0; i < lost; ++i) {
    if (auto seg = first_not_retransmitted(hole(i, snd_una), mss)) {
      return NextSegment{seg->left, seg->len(), NextSegment::Kind::Lost};
    }
  }

  // Rule (2): previously unsent data, starting at HighData + 1.
  if (new_data_available) return NextSegment{snd_max, mss, NextSegment::Kind::NewData};

  // Rule (3): as rule (1) without (1.c).
  for (std::size_t i = lost; i < sacked_.size(); ++i) {
    if (auto seg = first_not_retransmitted(hole(i, snd_una), mss)) {
      return NextSegment{seg->left, seg->len(), NextSegment::Kind::Unsacked};
    }
  }
  return std::nullopt;
}

std::optional<NextSegment> Scoreboard::rescue_seg(Seq snd_una, Seq snd_max,
                                                  std::uint32_t mss) const {
  // The highest unSACKed octet lies in the highest non-empty hole, the one
  // above HighSACK first.
  SeqRange top{sacked_.empty() ? snd_una : sacked_.back().right, snd_max};
  for (std::size_t i = sacked_.size(); octets(top.left, top.right) == 0 && i-- > 0;) {
    top = hole(i, snd_una);
  }
  const std::uint32_t len = std::min(octets(top.left, top.right), mss);
  if (len == 0) return std::nullopt;
  return NextSegment{top.right - len, len, NextSegment::Kind::Rescue};
}

Seq Scoreboard::high_sacked() const { return sacked_.empty() ? snd_una_ : sacked_.back().right; }

std::optional<Seq> Scoreboard::high_rxt() const {
  if (retransmitted_.empty()) return std::nullopt;
  return retransmitted_.back().right;
}

}  // namespace percore::tcp
