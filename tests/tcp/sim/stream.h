// The byte streams of the simulation: a seeded pseudo-random stream that a
// sender can produce from any offset (send() may take less than offered, so
// the next write restarts mid-stream), and a streaming 64-bit hash that the
// sender runs over what the stack accepted and the receiver over what it read.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <span>

namespace percore::tcp::sim {

// SplitMix64 (Steele, Lea, Flood): a bijective 64-bit mixer, used both as the
// stream's generator and to derive per-seed parameters.
constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// A uniform double in [0, 1) from a 64-bit value (53 bits, platform-exact).
constexpr double unit_interval(std::uint64_t x) {
  return static_cast<double>(x >> 11) * 0x1.0p-53;
}

// Byte i of the stream is byte (i % 8), little-endian, of
// splitmix64(key + i / 8).
class PatternStream {
 public:
  explicit PatternStream(std::uint64_t key) : key_(key) {}

  // Fills `out` with the bytes [offset, offset + out.size()).
  void fill(std::uint64_t offset, std::span<std::uint8_t> out) const {
    std::size_t done = 0;
    std::uint64_t word_index = offset / 8;
    std::size_t skip = offset % 8;
    while (done < out.size()) {
      const std::uint64_t w = splitmix64(key_ + word_index++);
      std::uint8_t bytes[8];
      std::memcpy(bytes, &w, 8);  // x86-64: little-endian
      const std::size_t n = std::min<std::size_t>(8 - skip, out.size() - done);
      std::memcpy(out.data() + done, bytes + skip, n);
      done += n;
      skip = 0;
    }
  }

 private:
  std::uint64_t key_;
};

// A streaming hash over 8-byte words: h' = rotl(h ^ w * K1, 31) * K2. Each
// step is a bijection of h for a fixed word and of the word for a fixed h,
// so two streams of one length that differ in a single word always end in
// different states; the length is mixed in at the end. The result does not
// depend on how the stream was cut into update() calls.
class StreamHash {
 public:
  void update(std::span<const std::uint8_t> data) {
    len_ += data.size();
    std::size_t i = 0;
    if (pending_len_ > 0) {
      const std::size_t n = std::min<std::size_t>(8 - pending_len_, data.size());
      std::memcpy(pending_ + pending_len_, data.data(), n);
      pending_len_ += n;
      i = n;
      if (pending_len_ < 8) return;
      mix(load(pending_));
      pending_len_ = 0;
    }
    for (; i + 8 <= data.size(); i += 8) mix(load(data.data() + i));
    pending_len_ = data.size() - i;
    std::memcpy(pending_, data.data() + i, pending_len_);
  }

  std::uint64_t digest() const {
    StreamHash h = *this;
    std::uint8_t last[8] = {};
    std::memcpy(last, h.pending_, h.pending_len_);
    h.mix(load(last));
    h.mix(len_);
    return splitmix64(h.h_);
  }
  std::uint64_t length() const { return len_; }

 private:
  static std::uint64_t load(const std::uint8_t* p) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  }
  void mix(std::uint64_t w) {
    h_ = std::rotl(h_ ^ (w * 0x9e3779b97f4a7c15ull), 31) * 0xbf58476d1ce4e5b9ull;
  }

  std::uint64_t h_ = 0x243f6a8885a308d3ull;
  std::uint64_t len_ = 0;
  std::uint8_t pending_[8] = {};
  std::size_t pending_len_ = 0;
};

}  // namespace percore::tcp::sim
