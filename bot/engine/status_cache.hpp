#pragma once
// The status command is asked thousands of times a second: summaries per workspace for the
// current week, the status view built from each once per language, and each person's language,
// so a repeated status answers from memory. Every map is bounded, whatever workspaces and people
// signed requests name, and a version per workspace keeps a stale summary from passing for
// current after answers change. Where replicas share the store, answers, erasures and language
// changes happen in other processes too, which this cache would not hear of: there it keeps
// nothing, and each status is built from storage.
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "bot/domain/clock.hpp"
#include "bot/domain/inbound.hpp"
#include "bot/domain/message.hpp"
#include "bot/engine/calendar.hpp"
#include "bot/engine/options.hpp"
#include "bot/engine/releases.hpp"
#include "bot/engine/summary.hpp"
#include "bot/storage/store.hpp"

namespace smrel::engine {

/// How much the per-workspace and per-person caches hold.
struct cache_sizes {
  std::size_t summaries = 0;
  std::size_t versions = 0;
  std::size_t locales = 0;
};

class status_cache {
 public:
  status_cache(storage::store& store, release_ledger& ledger, const calendar& company_calendar, const domain::clock& clock,
               const options& opts);

  /// The workspace's summary as of now, built when the cached one is stale.
  std::shared_ptr<const summary> current(const domain::workspace_ref& workspace);
  /// The status view for a locale, built once per summary (per workspace, so per platform).
  std::shared_ptr<const domain::message> status(const domain::workspace_ref& workspace, scoring::locale lang);
  /// The status command's reply from memory alone (no storage, no allocation of a view): null when
  /// the command is not `status`, or the summary or the person's language is not cached yet.
  std::shared_ptr<const domain::message> cached_status(const domain::chat_command& command);
  /// The person's language, for cached_status.
  void remember_locale(const domain::member_key& who, scoring::locale lang);
  /// Answers changed for this workspace: its cached summary is stale.
  void invalidate(const domain::workspace_ref& workspace);

  cache_sizes sizes() const;
  static constexpr std::size_t max_summaries = 1'024;
  static constexpr std::size_t max_versions = 100'000;
  static constexpr std::size_t max_locales = 200'000;

 private:
  struct cached_summary {
    scoring::iso_week week;
    scoring::iso_week closed;  // the last released week it shows
    std::uint64_t version = 0;
    std::shared_ptr<const summary> value;
    std::array<std::shared_ptr<const domain::message>, 2> status_views;  // by locale
  };
  /// The workspace's summary version; call with mutex_ held.
  std::uint64_t version_of(const std::string& key) const;

  storage::store& store_;
  const bool shared_;  // other processes write to the store too: nothing is kept
  release_ledger& ledger_;
  const calendar& calendar_;
  const domain::clock& clock_;
  const options& options_;

  mutable std::mutex mutex_;
  std::map<std::string, cached_summary> summaries_;
  // Versions come from one counter, and a workspace without an entry is at `version_floor_`, the
  // counter's value when the map was last cleared for size: a summary built from before the
  // clear can then never pass for current, so the map may be cleared at any time.
  std::map<std::string, std::uint64_t> versions_;
  std::uint64_t last_version_ = 0;
  std::uint64_t version_floor_ = 0;
  std::map<std::string, scoring::locale> known_locales_;  // by member
};

}  // namespace smrel::engine
