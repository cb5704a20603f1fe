#include "stack/dev/faults.h"

#include <gtest/gtest.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <vector>

#include "tests/support/eal_env.h"

namespace percore::dev {
namespace {

constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;
constexpr std::size_t kEther = 14;
constexpr Instant kT0 = Instant{} + 10s;

// ---- Frames, built and checked by hand so the checks do not share code with
// the injector.

std::uint32_t sum16(const std::uint8_t* data, std::size_t len, std::uint32_t sum = 0) {
  for (std::size_t i = 0; i + 1 < len; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (len % 2 == 1) sum += data[len - 1] << 8;
  return sum;
}

std::uint16_t fold(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

void put16(std::vector<std::uint8_t>& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

std::uint16_t get16(const std::vector<std::uint8_t>& b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

std::size_t l4_checksum_at(std::uint8_t proto) { return kEther + 20 + (proto == kTcp ? 16 : 6); }

// Sum of the RFC 793 / RFC 768 pseudo-header.
std::uint32_t pseudo_header_sum(const std::vector<std::uint8_t>& b) {
  const std::size_t l4_len = get16(b, kEther + 2) - 20;
  return sum16(&b[kEther + 12], 8) + b[kEther + 9] + static_cast<std::uint32_t>(l4_len);
}

bool ipv4_checksum_ok(const std::vector<std::uint8_t>& b) {
  return fold(sum16(&b[kEther], 20)) == 0xffff;
}

bool l4_checksum_ok(const std::vector<std::uint8_t>& b) {
  const std::size_t l4_len = get16(b, kEther + 2) - 20;
  return fold(sum16(&b[kEther + 20], l4_len, pseudo_header_sum(b))) == 0xffff;
}

// Ethernet + IPv4 (id = `id`, 198.18.0.1 -> 198.18.0.2) + TCP or UDP with a
// patterned payload and correct checksums.
std::vector<std::uint8_t> ipv4_frame(std::uint16_t id, std::uint8_t proto = kTcp,
                                     std::size_t payload = 32) {
  const std::size_t l4_header = proto == kTcp ? 20 : 8;
  std::vector<std::uint8_t> b(kEther + 20 + l4_header + payload);
  const std::uint8_t macs[12] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1};
  std::memcpy(b.data(), macs, sizeof(macs));
  put16(b, 12, 0x0800);
  std::uint8_t* ip = &b[kEther];
  ip[0] = 0x45;
  put16(b, kEther + 2, static_cast<std::uint16_t>(b.size() - kEther));
  put16(b, kEther + 4, id);
  ip[8] = 64;
  ip[9] = proto;
  const std::uint8_t addrs[8] = {198, 18, 0, 1, 198, 18, 0, 2};
  std::memcpy(ip + 12, addrs, sizeof(addrs));
  put16(b, kEther + 10, static_cast<std::uint16_t>(~fold(sum16(ip, 20))));
  const std::size_t l4 = kEther + 20;
  put16(b, l4, 40000);
  put16(b, l4 + 2, 11211);
  if (proto == kTcp) {
    put16(b, l4 + 4, id);  // sequence number
    b[l4 + 12] = 0x50;
    b[l4 + 13] = 0x10;  // ACK
    put16(b, l4 + 14, 65535);
  } else {
    put16(b, l4 + 4, static_cast<std::uint16_t>(b.size() - l4));
  }
  for (std::size_t i = l4 + l4_header; i < b.size(); ++i)
    b[i] = static_cast<std::uint8_t>(i * 7 + id);
  put16(b, l4_checksum_at(proto),
        static_cast<std::uint16_t>(~fold(sum16(&b[l4], b.size() - l4, pseudo_header_sum(b)))));
  return b;
}

// The frame as a stack asking for checksum offload hands it to the device:
// IPv4 checksum zero, L4 checksum holding the pseudo-header sum.
std::vector<std::uint8_t> offload_form(std::vector<std::uint8_t> b, std::uint64_t flags) {
  if (flags & RTE_MBUF_F_TX_IP_CKSUM) put16(b, kEther + 10, 0);
  if (flags & RTE_MBUF_F_TX_L4_MASK) {
    put16(b, l4_checksum_at(b[kEther + 9]), fold(pseudo_header_sum(b)));
  }
  return b;
}

// An mbuf holding `bytes`; with `split` > 0 the bytes from `split` on lie in a
// second segment.
rte_mbuf* to_mbuf(rte_mempool* pool, const std::vector<std::uint8_t>& bytes,
                  std::size_t split = 0) {
  const std::size_t first_len = split > 0 ? split : bytes.size();
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (m == nullptr) return nullptr;
  std::memcpy(rte_pktmbuf_append(m, static_cast<std::uint16_t>(first_len)), bytes.data(),
              first_len);
  if (split > 0) {
    rte_mbuf* tail = rte_pktmbuf_alloc(pool);
    const std::size_t tail_len = bytes.size() - split;
    std::memcpy(rte_pktmbuf_append(tail, static_cast<std::uint16_t>(tail_len)), &bytes[split],
                tail_len);
    rte_pktmbuf_chain(m, tail);
  }
  return m;
}

std::vector<std::uint8_t> bytes_of(const rte_mbuf* m) {
  std::vector<std::uint8_t> b;
  for (const rte_mbuf* seg = m; seg != nullptr; seg = seg->next) {
    const auto* data = rte_pktmbuf_mtod(seg, const std::uint8_t*);
    b.insert(b.end(), data, data + seg->data_len);
  }
  return b;
}

std::uint16_t id_of(const rte_mbuf* m) { return get16(bytes_of(m), kEther + 4); }

std::vector<std::uint16_t> ids_of(const std::vector<rte_mbuf*>& frames) {
  std::vector<std::uint16_t> ids;
  for (const rte_mbuf* m : frames) ids.push_back(id_of(m));
  return ids;
}

std::vector<rte_mbuf*> make_frames(std::uint16_t first_id, std::size_t n) {
  std::vector<rte_mbuf*> frames;
  for (std::size_t i = 0; i < n; ++i) {
    frames.push_back(
        to_mbuf(testing::test_pool(), ipv4_frame(static_cast<std::uint16_t>(first_id + i))));
  }
  return frames;
}

void free_all(std::vector<rte_mbuf*>& frames) {
  for (rte_mbuf* m : frames) rte_pktmbuf_free(m);
  frames.clear();
}

// Bit positions where two equally long byte strings differ.
std::vector<std::size_t> differing_bits(const std::vector<std::uint8_t>& a,
                                        const std::vector<std::uint8_t>& b) {
  std::vector<std::size_t> bits;
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      if (((a[i] ^ b[i]) >> bit) & 1) bits.push_back(i * 8 + bit);
    }
  }
  return bits;
}

FaultSpec spec(std::string_view text) {
  auto s = FaultSpec::parse(text);
  EXPECT_TRUE(s.has_value()) << text << ": " << s.error();
  return s.value_or(FaultSpec{});
}

class FaultsTest : public ::testing::Test {
 protected:
  void SetUp() override { pool_start_ = rte_mempool_avail_count(testing::test_pool()); }
  // Every test ends with every mbuf back in the pool: nothing leaked, nothing
  // freed twice.
  void TearDown() override {
    EXPECT_EQ(rte_mempool_avail_count(testing::test_pool()), pool_start_);
  }
  unsigned pool_start_ = 0;
};

// ---- FaultSpec::parse

TEST(FaultSpecParse, EmptyOrNoneMeansNoFaults) {
  for (std::string_view text : {"", "   ", "none"}) {
    auto s = FaultSpec::parse(text);
    ASSERT_TRUE(s.has_value()) << text;
    EXPECT_FALSE(s->any()) << text;
    EXPECT_EQ(s->seed, 1u);
  }
}

TEST(FaultSpecParse, EveryItemInAnyOrder) {
  auto s = FaultSpec::parse("seed=7,delay=2ms,corrupt=1%,dup=1%,reorder=10%,loss=5%");
  ASSERT_TRUE(s.has_value()) << s.error();
  EXPECT_DOUBLE_EQ(s->loss, 0.05);
  EXPECT_DOUBLE_EQ(s->reorder, 0.10);
  EXPECT_DOUBLE_EQ(s->dup, 0.01);
  EXPECT_DOUBLE_EQ(s->corrupt, 0.01);
  EXPECT_EQ(s->delay, 2ms);
  EXPECT_EQ(s->seed, 7u);
  EXPECT_TRUE(s->any());
}

TEST(FaultSpecParse, PercentagesAndFractions) {
  EXPECT_DOUBLE_EQ(spec("loss=0.5%").loss, 0.005);
  EXPECT_DOUBLE_EQ(spec("loss=100%").loss, 1.0);
  EXPECT_DOUBLE_EQ(spec("loss=0%").loss, 0.0);
  EXPECT_DOUBLE_EQ(spec("loss=0.05").loss, 0.05);
  EXPECT_DOUBLE_EQ(spec("loss=1").loss, 1.0);
  EXPECT_DOUBLE_EQ(spec(" loss = 5% , dup=0.25 ").dup, 0.25);
  EXPECT_FALSE(spec("loss=0%").any());
}

TEST(FaultSpecParse, DelayUnits) {
  EXPECT_EQ(spec("delay=250us").delay, 250us);
  EXPECT_EQ(spec("delay=2ms").delay, 2ms);
  EXPECT_EQ(spec("delay=1.5ms").delay, 1500us);
  EXPECT_EQ(spec("delay=1s").delay, 1s);
  EXPECT_EQ(spec("delay=800ns").delay, 800ns);
  EXPECT_TRUE(spec("delay=1us").any());
}

TEST(FaultSpecParse, SeedIsAnyUnsigned64) {
  EXPECT_EQ(spec("seed=0").seed, 0u);
  EXPECT_EQ(spec("seed=18446744073709551615").seed, UINT64_MAX);
  EXPECT_FALSE(spec("seed=5").any());  // a seed alone injects nothing
}

TEST(FaultSpecParse, ErrorsNameTheBadItem) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"lose=5%", "unknown fault 'lose'"},
      {"loss=5%,jitter=1ms", "unknown fault 'jitter'"},
      {"loss=120%", "loss=120% is out of range"},
      {"reorder=-1%", "reorder=-1% is out of range"},
      {"dup=1.5", "dup=1.5 is out of range"},
      {"corrupt=5", "corrupt=5 is out of range"},
      {"loss=abc", "loss=abc is not a number"},
      {"loss=5%%", "loss=5%% is not a number"},
      {"loss=nan", "loss=nan is not a number"},
      {"loss=inf%", "loss=inf% is not a number"},
      {"loss=5x%", "loss=5x% is not a number"},
      {"loss", "fault 'loss' has no value"},
      {"loss=", "loss= has no value"},
      {"loss=1%,loss=2%", "loss is given twice"},
      {"loss=1%,,dup=1%", "empty item"},
      {"loss=1%,", "empty item"},
      {"delay=2", "delay=2 needs a unit"},
      {"delay=2min", "delay=2min has an unknown unit 'min'"},
      {"delay=xms", "delay=xms is not a number"},
      {"delay=-1ms", "delay=-1ms is out of range"},
      {"delay=11s", "delay=11s is out of range"},
      {"seed=-1", "seed=-1 is not an unsigned integer"},
      {"seed=7x", "seed=7x is not an unsigned integer"},
      {"seed=18446744073709551616", "is not an unsigned integer"},
  };
  for (const auto& [text, message] : cases) {
    auto s = FaultSpec::parse(text);
    ASSERT_FALSE(s.has_value()) << text;
    EXPECT_NE(s.error().find(message), std::string::npos)
        << text << " gave \"" << s.error() << "\", expected \"" << message << "\"";
  }
}

TEST(FaultSpecParse, ToStringParsesBack) {
  EXPECT_EQ(FaultSpec{}.to_string(), "none");
  const FaultSpec full = spec("loss=5%,reorder=10%,dup=0.5%,corrupt=1%,delay=2ms,seed=7");
  EXPECT_EQ(full.to_string(), "loss=5%,reorder=10%,dup=0.5%,corrupt=1%,delay=2ms,seed=7");
  for (std::string_view text :
       {"loss=5%,reorder=10%,dup=0.5%,corrupt=1%,delay=2ms,seed=7", "delay=1500us",
        "delay=3s,seed=9", "delay=1234ns", "corrupt=0.01%", "loss=1"}) {
    const FaultSpec a = spec(text);
    const FaultSpec b = spec(a.to_string());
    EXPECT_DOUBLE_EQ(a.loss, b.loss) << text;
    EXPECT_DOUBLE_EQ(a.reorder, b.reorder) << text;
    EXPECT_DOUBLE_EQ(a.dup, b.dup) << text;
    EXPECT_DOUBLE_EQ(a.corrupt, b.corrupt) << text;
    EXPECT_EQ(a.delay, b.delay) << text;
    EXPECT_EQ(a.seed, b.seed) << text;
  }
}

// ---- FaultInjector

TEST_F(FaultsTest, NoFaultsIsIdentity) {
  FaultInjector injector(FaultSpec{}, testing::test_pool());
  std::vector<rte_mbuf*> in = make_frames(0, 100);
  std::vector<rte_mbuf*> out;
  for (std::size_t at = 0; at < in.size(); at += 32) {
    const std::size_t n = std::min<std::size_t>(32, in.size() - at);
    injector.apply(std::span(in).subspan(at, n), out, kT0 + at * 1us);
  }
  EXPECT_EQ(out, in);
  EXPECT_EQ(injector.held(), 0u);
  EXPECT_EQ(injector.next_release(), std::nullopt);
  EXPECT_EQ(injector.stats().frames, 100u);
  EXPECT_EQ(injector.stats().lost + injector.stats().corrupted + injector.stats().duplicated +
                injector.stats().reordered + injector.stats().delayed,
            0u);
  free_all(out);
}

TEST_F(FaultsTest, LossAllLosesAndFreesEveryFrame) {
  FaultInjector injector(spec("loss=100%"), testing::test_pool());
  std::vector<rte_mbuf*> in = make_frames(0, 200);
  EXPECT_EQ(rte_mempool_avail_count(testing::test_pool()), pool_start_ - 200);
  std::vector<rte_mbuf*> out;
  injector.apply(in, out, kT0);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(injector.stats().lost, 200u);
  EXPECT_EQ(injector.held(), 0u);
  EXPECT_EQ(rte_mempool_avail_count(testing::test_pool()), pool_start_);
}

// Which of `n` frames passed, fed in bursts of 32 through a fresh injector.
std::vector<bool> passed(const FaultSpec& s, std::size_t n, FaultStats* stats = nullptr) {
  FaultInjector injector(s, testing::test_pool());
  std::vector<bool> pass(n, false);
  std::vector<rte_mbuf*> out;
  for (std::size_t at = 0; at < n; at += 32) {
    std::vector<rte_mbuf*> in =
        make_frames(static_cast<std::uint16_t>(at), std::min<std::size_t>(32, n - at));
    injector.apply(in, out, kT0);
    for (std::uint16_t id : ids_of(out)) pass[id] = true;
    free_all(out);
  }
  if (stats != nullptr) *stats = injector.stats();
  return pass;
}

TEST_F(FaultsTest, LossThirtyPercentIsNearThirtyPercentAndFollowsTheSeed) {
  constexpr std::size_t kFrames = 10'000;
  FaultStats stats;
  const std::vector<bool> seven = passed(spec("loss=30%,seed=7"), kFrames, &stats);
  EXPECT_EQ(stats.frames, kFrames);
  EXPECT_GE(stats.lost, kFrames * 27 / 100);
  EXPECT_LE(stats.lost, kFrames * 33 / 100);
  EXPECT_EQ(static_cast<std::size_t>(std::count(seven.begin(), seven.end(), false)), stats.lost);

  EXPECT_EQ(passed(spec("loss=30%,seed=7"), kFrames), seven);
  EXPECT_NE(passed(spec("loss=30%,seed=8"), kFrames), seven);
}

TEST_F(FaultsTest, DupAllDoublesEveryFrameWithIdenticalBytes) {
  FaultInjector injector(spec("dup=100%"), testing::test_pool());
  std::vector<rte_mbuf*> in = make_frames(0, 20);
  in.push_back(to_mbuf(testing::test_pool(), ipv4_frame(20, kTcp, 1200), 60));  // two segments
  std::vector<rte_mbuf*> out;
  injector.apply(in, out, kT0);
  ASSERT_EQ(out.size(), 2 * in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[2 * i], in[i]);
    EXPECT_NE(out[2 * i + 1], in[i]);
    EXPECT_EQ(bytes_of(out[2 * i + 1]), bytes_of(in[i])) << "frame " << i;
  }
  EXPECT_EQ(injector.stats().duplicated, in.size());
  free_all(out);
}

TEST_F(FaultsTest, CorruptAllFlipsExactlyOneBitAfterTheEthernetHeader) {
  FaultInjector injector(spec("corrupt=100%,seed=3"), testing::test_pool());
  std::vector<std::vector<std::uint8_t>> originals;
  std::vector<rte_mbuf*> in;
  for (std::uint16_t id = 0; id < 300; ++id) {
    originals.push_back(ipv4_frame(id, id % 2 ? kUdp : kTcp, id % 7 * 100));
    // Every fourth frame spans two segments.
    in.push_back(to_mbuf(testing::test_pool(), originals.back(), id % 4 == 0 ? 40 : 0));
  }
  std::vector<rte_mbuf*> out;
  injector.apply(in, out, kT0);
  ASSERT_EQ(out.size(), in.size());
  std::vector<bool> byte_hit(kEther + 20 + 20 + 600, false);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::vector<std::uint8_t> now = bytes_of(out[i]);
    ASSERT_EQ(now.size(), originals[i].size());
    const std::vector<std::size_t> bits = differing_bits(originals[i], now);
    ASSERT_EQ(bits.size(), 1u) << "frame " << i;
    EXPECT_GE(bits[0] / 8, kEther) << "frame " << i;
    byte_hit[bits[0] / 8] = true;
    EXPECT_FALSE(ipv4_checksum_ok(now) && l4_checksum_ok(now)) << "frame " << i;
  }
  EXPECT_EQ(injector.stats().corrupted, in.size());
  // The flips spread over the whole packet, headers and payload alike.
  EXPECT_GT(std::count(byte_hit.begin() + kEther, byte_hit.begin() + kEther + 20, true), 3);
  EXPECT_GT(std::count(byte_hit.begin() + kEther + 40, byte_hit.end(), true), 50);
  free_all(out);
}

TEST_F(FaultsTest, CorruptNeverTouchesEthernetPadding) {
  // A short frame padded to the 60-byte Ethernet minimum, as a NIC delivers
  // it: a bit flipped in the padding would pass every checksum.
  FaultInjector injector(spec("corrupt=100%,seed=5"), testing::test_pool());
  std::vector<std::vector<std::uint8_t>> originals;
  std::vector<rte_mbuf*> in;
  for (std::uint16_t id = 0; id < 300; ++id) {
    originals.push_back(ipv4_frame(id, kTcp, 0));
    originals.back().resize(60, 0);
    in.push_back(to_mbuf(testing::test_pool(), originals.back()));
  }
  std::vector<rte_mbuf*> out;
  injector.apply(in, out, kT0);
  ASSERT_EQ(out.size(), in.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::vector<std::size_t> bits = differing_bits(originals[i], bytes_of(out[i]));
    ASSERT_EQ(bits.size(), 1u) << "frame " << i;
    EXPECT_LT(bits[0] / 8, kEther + 40) << "frame " << i;
  }
  free_all(out);
}

TEST_F(FaultsTest, CorruptSparesTinyFramesAndNonIpv4) {
  FaultInjector injector(spec("corrupt=100%"), testing::test_pool());
  std::vector<std::uint8_t> tiny = ipv4_frame(1);
  tiny.resize(kEther);
  std::vector<std::uint8_t> arp = ipv4_frame(2);
  put16(arp, 12, 0x0806);  // nothing would catch a flipped bit in ARP
  std::vector<rte_mbuf*> in = {to_mbuf(testing::test_pool(), tiny),
                               to_mbuf(testing::test_pool(), arp)};
  std::vector<rte_mbuf*> out;
  injector.apply(in, out, kT0);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(bytes_of(out[0]), tiny);
  EXPECT_EQ(bytes_of(out[1]), arp);
  EXPECT_EQ(injector.stats().corrupted, 0u);
  free_all(out);
}

TEST_F(FaultsTest, CorruptOnRxForgetsTheDevicesChecksumVerdict) {
  FaultInjector injector(spec("corrupt=100%"), testing::test_pool());
  rte_mbuf* frame = to_mbuf(testing::test_pool(), ipv4_frame(1));
  frame->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
  std::vector<rte_mbuf*> in = {frame};
  std::vector<rte_mbuf*> out;
  injector.apply(in, out, kT0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK, RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN);
  EXPECT_EQ(out[0]->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK, RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN);
  free_all(out);
}

struct OffloadCase {
  const char* name;
  std::uint8_t proto;
  std::uint64_t flags;
};

void PrintTo(const OffloadCase& c, std::ostream* os) { *os << c.name; }

class CorruptOffloaded : public FaultsTest, public ::testing::WithParamInterface<OffloadCase> {};

// The device would checksum the corrupted bytes; the injector must make sure
// the receiver still sees a mismatch.
TEST_P(CorruptOffloaded, TxFrameFailsSoftwareVerification) {
  const OffloadCase c = GetParam();
  FaultInjector injector(spec("corrupt=100%,seed=11"), testing::test_pool());
  std::vector<std::vector<std::uint8_t>> correct;
  std::vector<rte_mbuf*> in;
  for (std::uint16_t id = 0; id < 200; ++id) {
    correct.push_back(ipv4_frame(id, c.proto, id % 5 * 300));
    ASSERT_TRUE(ipv4_checksum_ok(correct.back()) && l4_checksum_ok(correct.back()));
    rte_mbuf* m = to_mbuf(testing::test_pool(), offload_form(correct.back(), c.flags),
                          id % 3 == 0 ? 30 : 0);  // some with headers split across segments
    m->ol_flags = RTE_MBUF_F_TX_IPV4 | c.flags;
    m->l2_len = kEther;
    m->l3_len = 20;
    in.push_back(m);
  }
  std::vector<rte_mbuf*> out;
  injector.apply(in, out, kT0);
  ASSERT_EQ(out.size(), in.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::vector<std::uint8_t> now = bytes_of(out[i]);
    // The device gets nothing left to compute...
    EXPECT_EQ(out[i]->ol_flags & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK), 0u);
    // ...the checksums were those of the intact frame, and one bit flipped...
    EXPECT_EQ(differing_bits(correct[i], now).size(), 1u) << "frame " << i;
    // ...so the receiver's verification fails.
    EXPECT_FALSE(ipv4_checksum_ok(now) && l4_checksum_ok(now)) << "frame " << i;
  }
  EXPECT_EQ(injector.stats().corrupted, in.size());
  free_all(out);
}

INSTANTIATE_TEST_SUITE_P(
    Offloads, CorruptOffloaded,
    ::testing::Values(
        OffloadCase{"Ipv4AndTcp", kTcp, RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM},
        OffloadCase{"TcpOnly", kTcp, RTE_MBUF_F_TX_TCP_CKSUM},
        OffloadCase{"Ipv4Only", kTcp, RTE_MBUF_F_TX_IP_CKSUM},
        OffloadCase{"Ipv4AndUdp", kUdp, RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(FaultsTest, CorruptLeavesSharedDataIntact) {
  // A retransmission queue that keeps a reference to the frame it sends must
  // not have its copy corrupted too.
  FaultInjector injector(spec("corrupt=100%"), testing::test_pool());
  const std::vector<std::uint8_t> original = ipv4_frame(5);
  rte_mbuf* kept = to_mbuf(testing::test_pool(), original);
  rte_mbuf_refcnt_update(kept, 1);
  std::vector<rte_mbuf*> in = {kept};
  std::vector<rte_mbuf*> out;
  injector.apply(in, out, kT0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0], kept);
  EXPECT_EQ(bytes_of(kept), original);
  EXPECT_EQ(rte_mbuf_refcnt_read(kept), 1);
  EXPECT_EQ(differing_bits(original, bytes_of(out[0])).size(), 1u);
  rte_pktmbuf_free(kept);
  free_all(out);
}

TEST_F(FaultsTest, ReorderAllSwapsPairs) {
  FaultInjector injector(spec("reorder=100%"), testing::test_pool());
  std::vector<rte_mbuf*> in = make_frames(0, 10);
  std::vector<rte_mbuf*> out;
  injector.apply(in, out, kT0);
  EXPECT_EQ(ids_of(out), (std::vector<std::uint16_t>{1, 0, 3, 2, 5, 4, 7, 6, 9, 8}));
  EXPECT_EQ(injector.stats().reordered, 5u);
  EXPECT_EQ(injector.held(), 0u);
  free_all(out);

  // The same across calls: the held frame waits for the next call's frame.
  for (rte_mbuf* frame : make_frames(10, 4)) {
    injector.apply(std::span(&frame, 1), out, kT0 + 1us);
  }
  EXPECT_EQ(ids_of(out), (std::vector<std::uint16_t>{11, 10, 13, 12}));
  free_all(out);
}

TEST_F(FaultsTest, ReorderedFrameWithNoFollowerLeavesAfterOneMillisecond) {
  FaultInjector injector(spec("reorder=100%"), testing::test_pool());
  std::vector<rte_mbuf*> in = make_frames(0, 1);
  std::vector<rte_mbuf*> out;
  injector.apply(in, out, kT0);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(injector.held(), 1u);
  EXPECT_EQ(injector.next_release(), kT0 + 1ms);
  injector.release(kT0 + 1ms - 1ns, out);
  EXPECT_TRUE(out.empty());
  injector.release(kT0 + 1ms, out);
  EXPECT_EQ(out, in);
  EXPECT_EQ(injector.held(), 0u);
  EXPECT_EQ(injector.next_release(), std::nullopt);
  free_all(out);
}

TEST_F(FaultsTest, DelayHoldsEveryFrameUntilArrivalPlusDelayInOrder) {
  FaultInjector injector(spec("delay=2ms"), testing::test_pool());
  std::vector<rte_mbuf*> first = make_frames(0, 3);
  std::vector<rte_mbuf*> second = make_frames(3, 2);
  std::vector<rte_mbuf*> out;
  injector.apply(first, out, kT0);
  injector.apply(second, out, kT0 + 500us);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(injector.held(), 5u);
  EXPECT_EQ(injector.next_release(), kT0 + 2ms);

  injector.release(kT0 + 2ms - 1ns, out);
  EXPECT_TRUE(out.empty());
  injector.release(kT0 + 2ms, out);
  EXPECT_EQ(out, first);
  EXPECT_EQ(injector.next_release(), kT0 + 2500us);
  free_all(out);

  // A later apply() releases what is due before its own frames.
  std::vector<rte_mbuf*> third = make_frames(5, 1);
  injector.apply(third, out, kT0 + 2500us);
  EXPECT_EQ(out, second);
  EXPECT_EQ(injector.next_release(), kT0 + 4500us);
  injector.release(kT0 + 4500us, out);
  EXPECT_EQ(ids_of(out), (std::vector<std::uint16_t>{3, 4, 5}));
  EXPECT_EQ(injector.stats().delayed, 6u);
  EXPECT_EQ(injector.held(), 0u);
  free_all(out);
}

TEST_F(FaultsTest, NextReleaseIsTheEarliestHeldFrame) {
  FaultInjector injector(spec("reorder=100%,delay=2ms"), testing::test_pool());
  std::vector<rte_mbuf*> out;
  EXPECT_EQ(injector.next_release(), std::nullopt);
  // Held for reordering: it waits 1 ms for a follower, then the delay.
  std::vector<rte_mbuf*> a = make_frames(0, 1);
  injector.apply(a, out, kT0);
  EXPECT_EQ(injector.next_release(), kT0 + 3ms);
  // Its follower comes: both leave at the follower's time, follower first.
  std::vector<rte_mbuf*> b = make_frames(1, 1);
  injector.apply(b, out, kT0 + 100us);
  EXPECT_EQ(injector.next_release(), kT0 + 2100us);
  // Held for reordering again, behind the two.
  std::vector<rte_mbuf*> c = make_frames(2, 1);
  injector.apply(c, out, kT0 + 200us);
  EXPECT_EQ(injector.next_release(), kT0 + 2100us);
  EXPECT_EQ(injector.held(), 3u);
  EXPECT_TRUE(out.empty());

  injector.release(kT0 + 2100us, out);
  EXPECT_EQ(ids_of(out), (std::vector<std::uint16_t>{1, 0}));
  EXPECT_EQ(injector.next_release(), kT0 + 3200us);
  injector.release(kT0 + 3200us, out);
  EXPECT_EQ(ids_of(out), (std::vector<std::uint16_t>{1, 0, 2}));
  EXPECT_EQ(injector.next_release(), std::nullopt);
  free_all(out);
}

TEST_F(FaultsTest, DestructorFreesHeldFrames) {
  {
    FaultInjector injector(spec("delay=1s,reorder=50%,dup=50%"), testing::test_pool());
    std::vector<rte_mbuf*> in = make_frames(0, 101);
    std::vector<rte_mbuf*> out;
    injector.apply(in, out, kT0);
    EXPECT_TRUE(out.empty());
    EXPECT_GT(injector.held(), 101u);
    EXPECT_LT(rte_mempool_avail_count(testing::test_pool()), pool_start_ - 101);
  }
  EXPECT_EQ(rte_mempool_avail_count(testing::test_pool()), pool_start_);
}

TEST_F(FaultsTest, BeyondTheBoundTheOldestLeavesEarly) {
  // More frames than the shared test pool holds.
  static rte_mempool* big = rte_pktmbuf_pool_create("faults_big", 8191, 0, 0, 256, SOCKET_ID_ANY);
  ASSERT_NE(big, nullptr);
  const unsigned big_start = rte_mempool_avail_count(big);
  {
    FaultInjector injector(spec("delay=1s"), big);
    constexpr std::size_t kExtra = 10;
    std::vector<rte_mbuf*> in;
    for (std::size_t i = 0; i < FaultInjector::kMaxHeld + kExtra; ++i) {
      in.push_back(to_mbuf(big, ipv4_frame(static_cast<std::uint16_t>(i), kTcp, 0)));
      ASSERT_NE(in.back(), nullptr);
    }
    std::vector<rte_mbuf*> out;
    injector.apply(in, out, kT0);
    EXPECT_EQ(out, std::vector<rte_mbuf*>(in.begin(), in.begin() + kExtra));
    EXPECT_EQ(injector.held(), FaultInjector::kMaxHeld);
    EXPECT_EQ(injector.stats().overflowed, kExtra);
    free_all(out);
    injector.release(kT0 + 1s, out);
    EXPECT_EQ(out, std::vector<rte_mbuf*>(in.begin() + kExtra, in.end()));
    free_all(out);
  }
  EXPECT_EQ(rte_mempool_avail_count(big), big_start);
}

TEST_F(FaultsTest, MixedFaultsAreDeterministicForASeed) {
  auto run = [](std::uint64_t seed) {
    FaultSpec s = spec("loss=10%,reorder=20%,dup=10%,corrupt=10%,delay=100us");
    s.seed = seed;
    FaultInjector injector(s, testing::test_pool());
    std::vector<std::vector<std::uint8_t>> seen;
    std::vector<rte_mbuf*> out;
    for (std::uint16_t burst = 0; burst < 50; ++burst) {
      std::vector<rte_mbuf*> in = make_frames(static_cast<std::uint16_t>(burst * 16), 16);
      injector.apply(in, out, kT0 + burst * 50us);
      for (rte_mbuf* m : out) seen.push_back(bytes_of(m));
      free_all(out);
    }
    injector.release(kT0 + 1s, out);
    for (rte_mbuf* m : out) seen.push_back(bytes_of(m));
    free_all(out);
    return seen;
  };
  const auto a = run(42);
  EXPECT_EQ(run(42), a);
  EXPECT_NE(run(43), a);
}

}  // namespace
}  // namespace percore::dev
