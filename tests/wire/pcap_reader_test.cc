#include "tests/support/pcap_reader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "tests/wire/vectors.h"

namespace percore::testing {
namespace {

void put32(Frame& out, std::uint32_t v, bool big_endian) {
  for (int i = 0; i < 4; ++i) {
    const int shift = big_endian ? 24 - 8 * i : 8 * i;
    out.push_back(static_cast<std::uint8_t>(v >> shift));
  }
}

void put16(Frame& out, std::uint16_t v, bool big_endian) {
  out.push_back(static_cast<std::uint8_t>(big_endian ? v >> 8 : v));
  out.push_back(static_cast<std::uint8_t>(big_endian ? v : v >> 8));
}

// A classic pcap file as a writer of either byte order lays it out.
Frame pcap_bytes(std::uint32_t magic, bool big_endian, const std::vector<Frame>& records) {
  Frame out;
  put32(out, magic, big_endian);
  put16(out, 2, big_endian);
  put16(out, 4, big_endian);
  put32(out, 0, big_endian);
  put32(out, 0, big_endian);
  put32(out, 65535, big_endian);
  put32(out, kLinkTypeEthernet, big_endian);
  for (const Frame& r : records) {
    put32(out, 1, big_endian);
    put32(out, 2, big_endian);
    put32(out, static_cast<std::uint32_t>(r.size()), big_endian);
    put32(out, static_cast<std::uint32_t>(r.size()) + 10, big_endian);
    out.insert(out.end(), r.begin(), r.end());
  }
  return out;
}

std::string write_temp(const std::string& name, const Frame& bytes) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}

TEST(PcapReader, ReadsEveryCapturedVector) {
  const std::map<std::string, std::size_t> expected_frames = {
      {"arp.pcap", 2},      {"icmp_echo.pcap", 2}, {"udp.pcap", 2},          {"tcp_handshake.pcap", 8},
      {"tcp_rst.pcap", 2}, {"tcp_sack.pcap", 18}, {"tcp_syn_nots.pcap", 6},
  };
  for (const auto& [name, count] : expected_frames) {
    const auto file = read_pcap(std::string(PERCORE_TEST_DATA) + "/" + name);
    ASSERT_TRUE(file) << file.error();
    EXPECT_EQ(file->link_type, kLinkTypeEthernet);
    EXPECT_EQ(file->frames.size(), count) << name;
  }
}

TEST(PcapReader, ReadsBothByteOrdersAndNanosecondFiles) {
  const std::vector<Frame> records = {{1, 2, 3}, {}, Frame(70, 0xab)};
  for (const bool big_endian : {false, true}) {
    for (const std::uint32_t magic : {0xa1b2c3d4u, 0xa1b23c4du}) {
      const auto file = read_pcap(write_temp("order.pcap", pcap_bytes(magic, big_endian, records)));
      ASSERT_TRUE(file) << file.error();
      EXPECT_EQ(file->link_type, kLinkTypeEthernet);
      EXPECT_EQ(file->frames, records);
    }
  }
}

TEST(PcapReader, RejectsWhatIsNotAClassicPcapFile) {
  EXPECT_FALSE(read_pcap(::testing::TempDir() + "/does-not-exist.pcap"));
  EXPECT_FALSE(read_pcap(write_temp("short.pcap", Frame(23, 0))));
  const Frame pcapng_header{0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a,
                            0,    0,    0,    0,    0, 0, 0, 0, 0,    0,    0,    0};
  const auto pcapng = read_pcap(write_temp("ng.pcap", pcapng_header));
  ASSERT_FALSE(pcapng);
  EXPECT_NE(pcapng.error().find("pcapng"), std::string::npos);
}

TEST(PcapReader, RejectsCutOffRecords) {
  const Frame whole = pcap_bytes(0xa1b2c3d4, false, {{1, 2, 3, 4}});
  EXPECT_TRUE(read_pcap(write_temp("whole.pcap", whole)));
  for (const std::size_t cut : {std::size_t{1}, std::size_t{4}, std::size_t{10}}) {
    const Frame shorter(whole.begin(), whole.end() - static_cast<std::ptrdiff_t>(cut));
    EXPECT_FALSE(read_pcap(write_temp("cut.pcap", shorter))) << cut;
  }
}

}  // namespace
}  // namespace percore::testing
