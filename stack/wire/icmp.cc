#include "stack/wire/icmp.h"

#include <rte_icmp.h>

#include <cassert>
#include <cstring>

namespace percore::wire {

static_assert(sizeof(rte_icmp_hdr) == kIcmpHeaderLen);
static_assert(offsetof(rte_icmp_hdr, icmp_ident) == 4);
static_assert(IcmpRepr::kEchoRequest == RTE_IP_ICMP_ECHO_REQUEST &&
              IcmpRepr::kEchoReply == RTE_IP_ICMP_ECHO_REPLY);

std::expected<IcmpView, ParseError> IcmpView::parse(Bytes message, ChecksumCheck check) {
  if (message.size() < kIcmpHeaderLen) return std::unexpected(ParseError::Truncated);
  if (check == ChecksumCheck::Verify && internet_checksum(message) != 0)
    return std::unexpected(ParseError::BadChecksum);
  return IcmpView(message);
}

IcmpRepr IcmpRepr::parse(const IcmpView& view) {
  return {.type = view.type(),
          .code = view.code(),
          .rest_of_header = view.rest_of_header(),
          .data = view.data()};
}

void IcmpRepr::emit(MutBytes out) const {
  assert(out.size() >= buffer_len());
  std::uint8_t* p = out.data();
  p[0] = type;
  p[1] = code;
  store_be16(p + 2, 0);
  store_be32(p + 4, rest_of_header);
  // memmove: a reply may be built in place over the request it answers.
  if (!data.empty()) std::memmove(p + kIcmpHeaderLen, data.data(), data.size());
  store_be16(p + 2, internet_checksum(out.first(buffer_len())));
}

}  // namespace percore::wire
