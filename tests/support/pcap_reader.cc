#include "tests/support/pcap_reader.h"

#include <fstream>
#include <iterator>

namespace percore::testing {
namespace {

constexpr std::uint32_t kMagicMicros = 0xa1b2c3d4;
constexpr std::uint32_t kMagicNanos = 0xa1b23c4d;
constexpr std::size_t kFileHeaderLen = 24;
constexpr std::size_t kRecordHeaderLen = 16;
// Far above any snap length tcpdump uses; guards against a corrupt length.
constexpr std::uint32_t kMaxRecordLen = 1 << 20;

std::uint32_t load_le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}

std::uint32_t byteswap32(std::uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

}  // namespace

std::expected<PcapFile, std::string> read_pcap(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(path + ": cannot open");
  const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in),
                                        std::istreambuf_iterator<char>()};
  if (bytes.size() < kFileHeaderLen) return std::unexpected(path + ": no pcap file header");

  // The magic number, read little-endian, tells the writer's byte order.
  const std::uint32_t magic = load_le32(bytes.data());
  bool swapped;
  if (magic == kMagicMicros || magic == kMagicNanos)
    swapped = false;
  else if (byteswap32(magic) == kMagicMicros || byteswap32(magic) == kMagicNanos)
    swapped = true;
  else
    return std::unexpected(path + ": not a classic pcap file (pcapng is not supported)");
  auto field = [&](std::size_t offset) {
    const std::uint32_t v = load_le32(bytes.data() + offset);
    return swapped ? byteswap32(v) : v;
  };

  PcapFile file;
  file.link_type = field(20);
  std::size_t at = kFileHeaderLen;
  while (at < bytes.size()) {
    if (bytes.size() - at < kRecordHeaderLen)
      return std::unexpected(path + ": record header cut off at byte " + std::to_string(at));
    const std::uint32_t caplen = field(at + 8);
    at += kRecordHeaderLen;
    if (caplen > kMaxRecordLen || caplen > bytes.size() - at)
      return std::unexpected(path + ": record data cut off at byte " + std::to_string(at));
    file.frames.emplace_back(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                             bytes.begin() + static_cast<std::ptrdiff_t>(at + caplen));
    at += caplen;
  }
  return file;
}

}  // namespace percore::testing
