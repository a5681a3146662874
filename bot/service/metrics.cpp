#include "bot/service/metrics.hpp"

#include <cstdio>

namespace smrel::service {
namespace {

constexpr std::array<std::string_view, 6> class_labels{"1xx", "2xx", "3xx", "4xx", "5xx", "other"};

std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

}  // namespace

metrics::metrics(std::vector<std::string> routes) : routes_(std::move(routes)), stats_(routes_.size()) {}

void metrics::set_routes(std::vector<std::string> routes) {
  routes_ = std::move(routes);
  stats_ = std::vector<route_stats>(routes_.size());
}

void metrics::observe_request(std::size_t route, int status, std::chrono::steady_clock::duration latency) {
  if (stats_.empty()) return;
  auto& s = stats_[std::min(route, stats_.size() - 1)];
  const auto status_class = status >= 100 && status < 600 ? static_cast<std::size_t>(status / 100 - 1) : status_classes - 1;
  s.by_class[status_class].fetch_add(1, std::memory_order_relaxed);
  const double seconds = std::chrono::duration<double>(latency).count();
  std::size_t bucket = 0;
  while (bucket < bucket_bounds.size() && seconds > bucket_bounds[bucket]) ++bucket;
  s.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  s.latency_micros.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}


namespace {

void count(std::map<std::string, std::uint64_t, std::less<>>& counters, std::string_view label) {
  auto it = counters.find(label);
  if (it == counters.end()) it = counters.emplace(std::string(label), 0).first;
  ++it->second;
}

}  // namespace

void metrics::delivery(std::string_view outcome) {
  std::lock_guard lock(labelled_mutex_);
  count(deliveries_, outcome);
}

void metrics::refused(std::string_view reason) {
  std::lock_guard lock(labelled_mutex_);
  count(refusals_, reason);
}

void metrics::background_failure(std::string_view loop) {
  std::lock_guard lock(labelled_mutex_);
  count(background_failures_, loop);
}

void metrics::admin_alert(std::string_view about) {
  std::lock_guard lock(labelled_mutex_);
  count(admin_alerts_, about);
}

std::string metrics::render(std::size_t outbox_depth) const {
  std::string out;
  out += "# HELP smrel_http_requests_total HTTP requests by route and status class.\n";
  out += "# TYPE smrel_http_requests_total counter\n";
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    for (std::size_t c = 0; c < status_classes; ++c) {
      const auto n = stats_[r].by_class[c].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out += "smrel_http_requests_total{route=\"" + routes_[r] + "\",status=\"" + std::string(class_labels[c]) + "\"} " +
             std::to_string(n) + "\n";
    }
  }
  out += "# HELP smrel_http_request_duration_seconds Time from request read to response ready.\n";
  out += "# TYPE smrel_http_request_duration_seconds histogram\n";
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b <= bucket_bounds.size(); ++b) {
      cumulative += stats_[r].buckets[b].load(std::memory_order_relaxed);
      const auto le = b < bucket_bounds.size() ? number(bucket_bounds[b]) : std::string("+Inf");
      out += "smrel_http_request_duration_seconds_bucket{route=\"" + routes_[r] + "\",le=\"" + le + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += "smrel_http_request_duration_seconds_sum{route=\"" + routes_[r] + "\"} " +
           number(static_cast<double>(stats_[r].latency_micros.load()) / 1e6) + "\n";
    out += "smrel_http_request_duration_seconds_count{route=\"" + routes_[r] + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += "# HELP smrel_answers_stored_total Answers committed durably.\n# TYPE smrel_answers_stored_total counter\n";
  out += "smrel_answers_stored_total " + std::to_string(answers_stored_.load()) + "\n";
  out += "# HELP smrel_outbox_depth Outbound messages not yet sent or given up.\n# TYPE smrel_outbox_depth gauge\n";
  out += "smrel_outbox_depth " + std::to_string(outbox_depth) + "\n";
  std::lock_guard lock(labelled_mutex_);
  out += "# HELP smrel_deliveries_total Outbound delivery attempts by outcome.\n# TYPE smrel_deliveries_total counter\n";
  for (const auto& [outcome, n] : deliveries_) out += "smrel_deliveries_total{outcome=\"" + outcome + "\"} " + std::to_string(n) + "\n";
  out += "# HELP smrel_http_refused_total Requests refused before routing.\n# TYPE smrel_http_refused_total counter\n";
  for (const auto& [reason, n] : refusals_) out += "smrel_http_refused_total{reason=\"" + reason + "\"} " + std::to_string(n) + "\n";
  out += "# HELP smrel_background_failures_total Failures a background loop caught and survived.\n"
         "# TYPE smrel_background_failures_total counter\n";
  for (const auto& [loop, n] : background_failures_) {
    out += "smrel_background_failures_total{loop=\"" + loop + "\"} " + std::to_string(n) + "\n";
  }
  out +=
      "# HELP smrel_admin_alerts_total Unattended failures admins must act on (told by DM, or where the digest goes, "
      "where the platform lets us).\n"
      "# TYPE smrel_admin_alerts_total counter\n";
  for (const auto& [about, n] : admin_alerts_) {
    out += "smrel_admin_alerts_total{about=\"" + about + "\"} " + std::to_string(n) + "\n";
  }
  return out;
}

}  // namespace smrel::service
