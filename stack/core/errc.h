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
  // Connection errors, reported to the socket's owner.
  ConnectionRefused,  // RST in answer to our SYN
  ConnectionReset,    // RST on an established connection
  TimedOut,           // retransmissions or keepalive probes exhausted
  AddressInUse,
  NoPorts,            // no ephemeral port left for an active open
  WouldBlock,
  NotConnected,
  AlreadyConnected,
  InProgress,
  Shutdown,           // the sending side was shut down (EPIPE)
  BadState,           // the call does not fit the socket's state
};

constexpr const char* to_string(Errc e) {
  switch (e) {
    case Errc::NoRoute: return "no route to host";
    case Errc::NoBuffers: return "no buffers";
    case Errc::QueueFull: return "queue full";
    case Errc::HostUnreachable: return "host unreachable";
    case Errc::InvalidArgument: return "invalid argument";
    case Errc::Unsupported: return "unsupported";
    case Errc::ConnectionRefused: return "connection refused";
    case Errc::ConnectionReset: return "connection reset";
    case Errc::TimedOut: return "timed out";
    case Errc::AddressInUse: return "address in use";
    case Errc::NoPorts: return "no free ephemeral port";
    case Errc::WouldBlock: return "would block";
    case Errc::NotConnected: return "not connected";
    case Errc::AlreadyConnected: return "already connected";
    case Errc::InProgress: return "in progress";
    case Errc::Shutdown: return "shut down";
    case Errc::BadState: return "bad state";
  }
  return "unknown error";
}

}  // namespace percore
