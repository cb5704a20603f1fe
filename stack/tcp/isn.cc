#include "stack/tcp/isn.h"

#include <cstring>

namespace percore::tcp {
namespace {

constexpr std::uint64_t rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct SipState {
  std::uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  }
};

std::uint64_t load_le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

std::uint64_t siphash24(const std::array<std::uint64_t, 2>& key, const std::uint8_t* data,
                        std::size_t len) {
  SipState s{0x736f6d6570736575ULL ^ key[0], 0x646f72616e646f6dULL ^ key[1],
             0x6c7967656e657261ULL ^ key[0], 0x7465646279746573ULL ^ key[1]};
  const std::size_t full = len & ~std::size_t{7};
  for (std::size_t i = 0; i < full; i += 8) {
    const std::uint64_t m = load_le64(data + i);
    s.v3 ^= m;
    s.round();
    s.round();
    s.v0 ^= m;
  }
  std::uint64_t last = static_cast<std::uint64_t>(len & 0xff) << 56;
  for (std::size_t i = 0; i < (len & 7); ++i)
    last |= static_cast<std::uint64_t>(data[full + i]) << (8 * i);
  s.v3 ^= last;
  s.round();
  s.round();
  s.v0 ^= last;
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

std::uint32_t IsnGenerator::hash(const FourTuple& t, std::uint32_t extra) const {
  std::uint8_t msg[16];
  std::memcpy(msg + 0, &t.local_ip.value, 4);
  std::memcpy(msg + 4, &t.remote_ip.value, 4);
  std::memcpy(msg + 8, &t.local_port, 2);
  std::memcpy(msg + 10, &t.remote_port, 2);
  std::memcpy(msg + 12, &extra, 4);
  return static_cast<std::uint32_t>(siphash24(secret_, msg, sizeof msg));
}

wire::Seq IsnGenerator::isn(const FourTuple& tuple, Instant now) const {
  const auto ticks = static_cast<std::uint32_t>(now.time_since_epoch().count() / 4000);
  return wire::Seq(ticks + hash(tuple, 0));
}

}  // namespace percore::tcp
