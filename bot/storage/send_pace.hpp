#pragma once
// Send pacing kept in storage, so every replica sharing the database takes its turns from the
// same buckets: a platform's rate limit is per app, and N replicas must not send N× faster.
//
// Each bucket is one number, its theoretical arrival time (the generic cell rate algorithm): the
// instant by which the turns taken so far would have been spent at the steady rate. A turn may go
// once that instant is at most a burst's worth of intervals ahead of now, and it moves the instant
// one interval on. The same limits as a token bucket, in one column and one comparison, which is
// what a row locked for a moment in a shared database wants.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>

namespace smrel::storage {

/// A bucket a send takes a turn from: its key, and the pace its rule allows.
struct send_pace {
  std::string key;
  double per_second = 1.0;
  /// Turns that may go at once after a quiet spell (at least one).
  double burst = 1.0;
};

namespace pacing {

/// Instants in microseconds since the epoch: a pace of 7 per second needs finer steps than ms.
using micros = std::int64_t;

inline micros to_micros(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

inline std::chrono::system_clock::time_point from_micros(micros us) {
  return std::chrono::system_clock::time_point{
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::microseconds{us})};
}

inline micros interval(const send_pace& p) { return std::llround(1e6 / std::max(p.per_second, 1e-6)); }

/// How far ahead of now the arrival time may run: the burst, less the turn being taken.
inline micros tolerance(const send_pace& p) { return std::llround((std::max(p.burst, 1.0) - 1.0) * static_cast<double>(interval(p))); }

/// The earliest instant the next turn under a bucket at `arrival` may go.
inline micros ready_at(micros arrival, const send_pace& p) { return arrival - tolerance(p); }

/// The bucket's arrival time once a turn is taken at `now`.
inline micros after_turn(micros arrival, micros now, const send_pace& p) { return std::max(arrival, now) + interval(p); }

/// The bucket's arrival time once nothing may go before `until` (a platform's Retry-After): after
/// it, turns resume one interval apart rather than in a burst.
inline micros paused_until(micros arrival, micros until, const send_pace& p) { return std::max(arrival, until + tolerance(p)); }

}  // namespace pacing
}  // namespace smrel::storage
