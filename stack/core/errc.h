// The stack's error codes. Inside stack/ every fallible call returns
// std::expected<T, Errc>; preload/ maps Errc to errno in exactly one place.
#pragma once

#include <cstdint>

namespace percore {

enum class Errc : std::uint8_t {
  NoRoute,          // no interface route and no gateway for the destination
  NoBuffers,        // mbuf pool exhausted
  QueueFull,        // a bounded queue (ARP pending, tx) is full
  HostUnreachable,  // ARP resolution gave up
  InvalidArgument,
  Unsupported,
};

constexpr const char* to_string(Errc e) {
  switch (e) {
    case Errc::NoRoute: return "no route to host";
    case Errc::NoBuffers: return "no buffers";
    case Errc::QueueFull: return "queue full";
    case Errc::HostUnreachable: return "host unreachable";
    case Errc::InvalidArgument: return "invalid argument";
    case Errc::Unsupported: return "unsupported";
  }
  return "unknown error";
}

}  // namespace percore
