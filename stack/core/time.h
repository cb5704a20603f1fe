// Time inside the stack is always passed in: the shard reads the clock once
// per loop iteration and hands `now` down. Tests drive a fake clock by
// constructing Instants directly.
#pragma once

#include <chrono>

namespace percore {

using Duration = std::chrono::nanoseconds;
using Instant = std::chrono::time_point<std::chrono::steady_clock, Duration>;

using namespace std::chrono_literals;

}  // namespace percore
