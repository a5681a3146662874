#include "bot/service/slack_endpoints.hpp"

#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "adapters/slack/blocks.hpp"
#include "adapters/slack/inbound.hpp"
#include "adapters/slack/signature.hpp"
#include "bot/engine/views.hpp"
#include "bot/service/blocking.hpp"
#include "bot/service/logging.hpp"
#include "bot/service/outbound.hpp"

namespace smrel::service {
namespace {

namespace slack = adapters::slack;
using net::http_request;
using net::http_response;

// A signed request is accepted up to five minutes either side of its timestamp, so a click must
// be remembered for ten to recognise every replay of it.
constexpr std::chrono::seconds click_memory{2 * slack::max_clock_skew};
constexpr std::size_t max_remembered_clicks = 1'000'000;  // ten minutes at well over 1,000 clicks/s

constexpr std::string_view click_key_prefix = "click:";

std::string click_key(const domain::button_click& click) {
  return std::string(click_key_prefix) + click.who.workspace.id + "/" + click.who.user + "/" + click.interaction_id;
}

}  // namespace

slack_endpoints::slack_endpoints(const config::settings& settings, engine::chat_bot& bot, storage::store& store,
                                 group_committer& committer, boost::asio::thread_pool& pool,
                                 const domain::clock& clock, metrics& stats, std::function<void()> on_queued)
    : settings_(settings), bot_(bot), store_(store), committer_(committer), pool_(pool), clock_(clock), stats_(stats),
      on_queued_(std::move(on_queued)), clicks_(click_memory, max_remembered_clicks) {
  if (!settings.slack.signing_secret.empty()) signing_key_.emplace(settings.slack.signing_secret);
}

void slack_endpoints::remember_recent_clicks() {
  const auto now = clock_.now();
  // Seen-at is not stored with the key; "now" keeps each for a full window, which errs safe.
  for (const auto& key : store_.recent_events(click_key_prefix, now - click_memory)) clicks_.remember(key, now);
}

std::size_t slack_endpoints::prune_clicks() {
  return store_.prune_events(click_key_prefix, clock_.now() - click_memory);
}

std::optional<int> slack_endpoints::screen_unsigned(const http_request& head, std::string_view route) {
  auto result = slack::signature_check::missing_headers;
  if (signing_key_) {
    result = slack::check_signature_headers(head.header("x-slack-request-timestamp"), head.header("x-slack-signature"),
                                            clock_.now());
  }
  return refused_signature(head, route, result) ? std::optional(401) : std::nullopt;
}

std::optional<http_response> slack_endpoints::refuse_unsigned(const http_request& request, std::string_view route) {
  auto result = slack::signature_check::missing_headers;
  if (signing_key_) {
    result = slack::verify_signature(*signing_key_, request.header("x-slack-request-timestamp"),
                                     request.header("x-slack-signature"), request.body, clock_.now());
  }
  return refused_signature(request, route, result) ? std::optional(http_response::empty(401)) : std::nullopt;
}

bool slack_endpoints::refused_signature(const http_request& request, std::string_view route, slack::signature_check result) {
  if (result == slack::signature_check::ok) return false;
  stats_.refused("bad_signature");
  log_refusal(request, route, 401, "bad_signature",
              signing_key_ ? slack::describe(result) : std::string_view("signing secret not configured"));
  return true;
}

http_response slack_endpoints::bad_request(const http_request& request, std::string_view route, std::string_view reason) {
  stats_.refused("malformed");
  log_refusal(request, route, 400, "malformed", reason);
  return http_response::empty(400);
}

void slack_endpoints::log_refusal(const http_request& request, std::string_view route, int status, std::string_view kind,
                                  std::string_view reason) {
  const auto dropped = refusal_logs_.admit(kind, std::chrono::steady_clock::now());
  if (!dropped) return;
  log_event(log_level::warn, "request_refused",
            {{"route", route}, {"status", static_cast<long long>(status)}, {"remote", request.remote}, {"reason", reason},
             {"similar_lines_dropped", static_cast<long long>(*dropped)}});
}

bool slack_endpoints::response_allowed(std::string_view url) const {
  if (allowed_url(url, settings_.slack.response_hosts)) return true;
  log_event(log_level::warn, "response_url_refused", {{"reason", "host not in SMREL_SLACK_RESPONSE_HOSTS"}});
  return false;
}

bool slack_endpoints::queue_response(storage::write_batch& batch, std::string_view url, const domain::message& m,
                                     bool replace) const {
  if (!response_allowed(url)) return false;
  batch.outbox.push_back(slack_reply_via_response_url(url, m, replace, clock_.now()));
  return true;
}

boost::asio::awaitable<http_response> slack_endpoints::commands(http_request& request) {
  if (auto refused = refuse_unsigned(request, "/slack/commands")) co_return *refused;
  auto parsed = slack::parse_command(request.body);
  if (const auto* error = std::get_if<slack::parse_error>(&parsed)) {
    co_return bad_request(request, "/slack/commands", error->reason);
  }
  auto& payload = std::get<0>(parsed);
  if (std::holds_alternative<slack::ssl_check>(payload)) co_return http_response::empty(200);
  const auto command = std::get<domain::chat_command>(std::move(payload));

  // Hot path: `/smrel status` with everything cached needs no storage, so it is answered right
  // here on the network thread, from JSON rendered once per summary and language.
  if (const auto view = bot_.cached_status(command)) {
    std::lock_guard lock(rendered_mutex_);
    if (rendered_.size() >= engine::chat_bot::max_cached_summaries && !rendered_.contains(command.who.workspace.id)) {
      rendered_.clear();  // bounded like the summaries it renders
    }
    auto& slots = rendered_[command.who.workspace.id];
    for (const auto& slot : slots) {
      if (slot.view == view) co_return http_response::json(slot.json);
    }
    slots[1] = std::move(slots[0]);
    slots[0] = {view, std::make_shared<const std::string>(slack::command_reply_json(*view))};
    co_return http_response::json(slots[0].json);
  }

  auto result = co_await run_blocking(pool_, [&] { return bot_.on_command(command); });
  if (!result.posts.empty()) {
    storage::write_batch batch;
    for (auto& post : result.posts) {
      batch.outbox.push_back(slack_post(post.where.address, post.message, std::move(post.dedupe_key), clock_.now()));
    }
    co_await committer_.async_commit(std::move(batch), boost::asio::use_awaitable);  // throws on failure
    on_queued_();
  }
  co_return http_response::json(slack::command_reply_json(result.reply));
}

boost::asio::awaitable<http_response> slack_endpoints::interactivity(http_request& request) {
  if (auto refused = refuse_unsigned(request, "/slack/interactivity")) co_return *refused;
  auto parsed = slack::parse_interaction(request.body);
  if (const auto* error = std::get_if<slack::parse_error>(&parsed)) {
    co_return bad_request(request, "/slack/interactivity", error->reason);
  }
  auto& payload = std::get<0>(parsed);
  if (std::holds_alternative<slack::ignored_interaction>(payload)) co_return http_response::empty(200);
  const auto click = std::get<domain::button_click>(std::move(payload));
  const auto replay_key = click.interaction_id.empty() ? std::string() : click_key(click);
  if (!replay_key.empty() && !clicks_.first_sighting(replay_key, clock_.now())) {
    // Acknowledged and otherwise ignored: the click was handled the first time (or is being
    // handled; should that commit fail, the copy is not tried again, but Slack never sends a
    // click twice by itself, so only a replay loses out).
    stats_.refused("replayed");
    log_refusal(request, "/slack/interactivity", 200, "replayed", "a click seen before (replayed request)");
    co_return http_response::empty(200);
  }
  try {
    co_return co_await handle_click(click, replay_key);
  } catch (...) {
    if (!replay_key.empty()) clicks_.forget(replay_key);  // nothing took effect: a retry is welcome
    throw;
  }
}

boost::asio::awaitable<http_response> slack_endpoints::handle_click(const domain::button_click& click,
                                                                    const std::string& replay_key) {
  storage::write_batch batch;
  // Stored with what the click changes, so a replay after a restart is recognised too.
  if (!replay_key.empty()) batch.seen_events.push_back(replay_key);
  if (click.action == engine::answer_action) {
    // Usually everything the check needs is cached and it runs right here; otherwise off-thread.
    auto decision = bot_.on_answer_click_cached(click);
    if (!decision) decision = co_await run_blocking(pool_, [&] { return bot_.on_answer_click(click); });
    if (!decision->accepted()) {
      log_event(log_level::info, "answer_refused", {{"reason", decision->refusal.fallback_text}});
      queue_response(batch, click.reply_to, decision->refusal, false);
    } else {
      // The message update is queued in the same transaction as the answer, so a crash can never
      // leave a stored answer without its confirmation on the way, or the other way round.
      if (decision->answer) batch.answers.push_back(std::move(*decision->answer));
      if (decision->follow_up) batch.follow_ups.push_back(std::move(*decision->follow_up));
      if (response_allowed(click.reply_to)) {
        batch.outbox.push_back(
            slack_pulse_update_via_response_url(click.reply_to, click.who, decision->pulse_id, click.message.id, clock_.now()));
      }
    }
  } else {
    auto reply = co_await run_blocking(pool_, [&] { return bot_.on_click(click); });
    queue_response(batch, click.reply_to, reply, true);
  }
  const auto answers = batch.answers.size() + batch.follow_ups.size();
  const bool queued = !batch.outbox.empty();
  co_await committer_.async_commit(std::move(batch), boost::asio::use_awaitable);  // throws on failure
  if (queued) on_queued_();
  if (answers > 0) {
    stats_.answers_stored(answers);
    bot_.invalidate(click.who.workspace);
  }
  co_return http_response::empty(200);  // only now is the answer durable: acknowledge
}

boost::asio::awaitable<http_response> slack_endpoints::events(http_request& request) {
  if (auto refused = refuse_unsigned(request, "/slack/events")) co_return *refused;
  auto parsed = slack::parse_event(request.body);
  if (const auto* error = std::get_if<slack::parse_error>(&parsed)) {
    co_return bad_request(request, "/slack/events", error->reason);
  }
  auto& payload = std::get<0>(parsed);
  if (const auto* verification = std::get_if<slack::url_verification>(&payload)) {
    co_return http_response::json(nlohmann::json{{"challenge", verification->challenge}}.dump());
  }
  const auto callback = std::get<slack::event_callback>(std::move(payload));
  const bool fresh = co_await run_blocking(pool_, [&]() -> bool {
    // Remembered before it is handled: a retry after a crash in between loses at most one Home
    // tab refresh, which the next visit repeats; handling twice is what must not happen.
    if (!store_.record_event(callback.event_id, clock_.now())) return false;
    if (const auto* opened = std::get_if<domain::home_opened>(&callback.event)) {
      if (!opened->direct.empty()) store_.remember_dm_channel(opened->who, opened->direct.address);
      if (opened->home_tab) {
        // No dedupe key: the event id was recorded above, so a retry never gets here.
        store_.enqueue(slack_home(opened->who.user, bot_.home_view(opened->who), {}, clock_.now()), clock_.now());
      }
    }
    return true;
  });
  if (fresh) on_queued_();
  if (!fresh) {
    log_event(log_level::info, "event_duplicate",
              {{"event_id", callback.event_id}, {"retry", request.header("x-slack-retry-num")}});
  }
  co_return http_response::empty(200);
}

}  // namespace smrel::service
