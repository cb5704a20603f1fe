// The one place where the stack's errors become errno values.
#pragma once

#include <cerrno>

#include "stack/core/errc.h"

namespace percore::preload {

constexpr int to_errno(Errc e) {
  switch (e) {
    case Errc::NoRoute: return ENETUNREACH;
    case Errc::NoBuffers: return ENOBUFS;
    case Errc::QueueFull: return ENOBUFS;
    case Errc::HostUnreachable: return EHOSTUNREACH;
    case Errc::InvalidArgument: return EINVAL;
    case Errc::Unsupported: return EOPNOTSUPP;
    case Errc::ConnectionRefused: return ECONNREFUSED;
    case Errc::ConnectionReset: return ECONNRESET;
    case Errc::TimedOut: return ETIMEDOUT;
    case Errc::AddressInUse: return EADDRINUSE;
    case Errc::NoPorts: return EADDRNOTAVAIL;  // Linux, when the ephemeral range is exhausted
    case Errc::WouldBlock: return EAGAIN;
    case Errc::NotConnected: return ENOTCONN;
    case Errc::AlreadyConnected: return EISCONN;
    case Errc::InProgress: return EINPROGRESS;
    case Errc::Shutdown: return EPIPE;
    case Errc::BadState: return EINVAL;
  }
  return EIO;
}

}  // namespace percore::preload
