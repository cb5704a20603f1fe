// Reads classic libpcap capture files (what `tcpdump -w` writes), so tests
// can replay frames the Linux kernel really sent. pcapng is not supported.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

namespace percore::testing {

using Frame = std::vector<std::uint8_t>;

struct PcapFile {
  std::uint32_t link_type = 0;  // 1: Ethernet (LINKTYPE_ETHERNET)
  std::vector<Frame> frames;    // the captured bytes of each record, in order
};

// Either byte order, microsecond or nanosecond timestamps. The error names
// the file and what is wrong with it.
std::expected<PcapFile, std::string> read_pcap(const std::string& path);

}  // namespace percore::testing
