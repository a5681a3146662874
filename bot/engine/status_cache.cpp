#include "bot/engine/status_cache.hpp"

#include <algorithm>
#include <cctype>

#include "bot/engine/views.hpp"

namespace smrel::engine {
namespace {

std::string cache_key(const domain::workspace_ref& w) { return std::string(domain::platform_id(w.on)) + ":" + w.id; }

}  // namespace

status_cache::status_cache(storage::store& store, release_ledger& ledger, const calendar& company_calendar,
                           const domain::clock& clock, const options& opts)
    : store_(store),
      shared_(!store.single_process()),
      ledger_(ledger),
      calendar_(company_calendar),
      clock_(clock),
      options_(opts) {}

std::uint64_t status_cache::version_of(const std::string& key) const {
  const auto it = versions_.find(key);
  return it == versions_.end() ? version_floor_ : it->second;
}

cache_sizes status_cache::sizes() const {
  std::lock_guard lock(mutex_);
  return {summaries_.size(), versions_.size(), known_locales_.size()};
}

void status_cache::remember_locale(const domain::member_key& who, scoring::locale lang) {
  if (shared_) return;
  std::lock_guard lock(mutex_);
  if (known_locales_.size() >= max_locales) known_locales_.clear();  // bounded: start over
  known_locales_.insert_or_assign(cache_key(who.workspace) + ":" + who.user, lang);
}

std::shared_ptr<const domain::message> status_cache::status(const domain::workspace_ref& workspace, scoring::locale lang) {
  const auto s = current(workspace);
  if (shared_) return std::make_shared<const domain::message>(status_view(*s, lang, options_.phrasing(workspace.on)));
  const auto index = static_cast<std::size_t>(lang);
  {
    std::lock_guard lock(mutex_);
    const auto it = summaries_.find(cache_key(workspace));
    if (it != summaries_.end() && it->second.value == s && it->second.status_views[index]) return it->second.status_views[index];
  }
  auto view = std::make_shared<const domain::message>(status_view(*s, lang, options_.phrasing(workspace.on)));
  std::lock_guard lock(mutex_);
  const auto it = summaries_.find(cache_key(workspace));
  if (it != summaries_.end() && it->second.value == s) it->second.status_views[index] = view;
  return view;
}

std::shared_ptr<const domain::message> status_cache::cached_status(const domain::chat_command& command) {
  constexpr std::string_view status_verb = "status";
  const std::string_view text = command.text;  // already trimmed by the adapter
  if (text.size() != status_verb.size() ||
      !std::equal(text.begin(), text.end(), status_verb.begin(),
                  [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; })) {
    return nullptr;
  }
  const auto now = clock_.now();
  const auto week = calendar_.week_of(now);
  const auto closed = ledger_.last_closed_week(now);
  const auto key = cache_key(command.who.workspace);
  std::lock_guard lock(mutex_);
  const auto lang = known_locales_.find(key + ":" + command.who.user);
  const auto cached = summaries_.find(key);
  if (lang == known_locales_.end() || cached == summaries_.end() || cached->second.week != week ||
      cached->second.closed != closed || cached->second.version != version_of(key)) {
    return nullptr;
  }
  return cached->second.status_views[static_cast<std::size_t>(lang->second)];
}

void status_cache::invalidate(const domain::workspace_ref& workspace) {
  std::lock_guard lock(mutex_);
  if (versions_.size() >= max_versions) {
    versions_.clear();
    version_floor_ = ++last_version_;
  }
  versions_.insert_or_assign(cache_key(workspace), ++last_version_);
}

std::shared_ptr<const summary> status_cache::current(const domain::workspace_ref& workspace) {
  const auto now = clock_.now();
  const auto week = calendar_.week_of(now);
  const auto closed = ledger_.last_closed_week(now);
  const auto key = cache_key(workspace);
  std::uint64_t version = 0;
  {
    std::lock_guard lock(mutex_);
    version = version_of(key);
    const auto it = summaries_.find(key);
    if (it != summaries_.end() && it->second.week == week && it->second.closed == closed && it->second.version == version) {
      return it->second.value;
    }
  }
  // Built outside the lock: a concurrent duplicate build is cheaper than serialising all status calls.
  auto built = std::make_shared<const summary>(summarize(store_, ledger_, workspace, options_.survey, now));
  if (shared_) return built;
  std::lock_guard lock(mutex_);
  if (version_of(key) == version) {
    if (summaries_.size() >= max_summaries && !summaries_.contains(key)) summaries_.clear();  // bounded: start over
    summaries_.insert_or_assign(key, cached_summary{week, closed, version, built, {}});
  }
  return built;
}

}  // namespace smrel::engine
