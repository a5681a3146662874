// The outbox worker on a manual clock, against a recording plug: what it sends, when it tries
// again (after the backoff, after Retry-After, never before), what it gives up on, and the
// direct conversation it opens once, remembers and forgets when the platform says it is gone.
// Each wait is for an event (a send, a stored outcome), never a bare sleep.
#include "bot/service/outbox_worker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "tests/support/recording_plug.hpp"
#include "tests/support/temp_dir.hpp"

namespace smrel::service {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;
using storage::outbox_status;

const domain::workspace_ref team{domain::platform::slack, "T1"};
const domain::member_key alice{team, "U1"};

domain::message note(std::string text) {
  domain::message m;
  m.fallback_text = text;
  m.text(std::move(text));
  return m;
}

domain::delivery_outcome outcome(domain::delivery_verdict verdict, std::string reason = {},
                                 domain::delivery_problem problem = domain::delivery_problem::none) {
  domain::delivery_outcome out;
  out.verdict = verdict;
  out.reason = std::move(reason);
  out.problem = problem;
  if (verdict == domain::delivery_verdict::rate_limited) out.retry_after = 30s;
  return out;
}

// What the engine would render at send time; records where pulse DMs landed.
class fixed_content final : public late_content {
 public:
  std::optional<domain::message> pulse_update(const pulse_ref&) override {
    ++updates_rendered;
    return note("your pulse");
  }
  std::optional<domain::message> pulse_dm(const pulse_ref&) override { return note("this week's pulse"); }
  std::optional<domain::message> pulse_reminder(const pulse_ref&) override { return note("a reminder"); }
  void pulse_dm_sent(const pulse_ref&, const domain::message_ref& sent) override {
    std::lock_guard lock(mutex_);
    landed_.push_back(sent);
  }
  domain::message home_view(const domain::member_key&) override { return note("home"); }
  void person_unreachable(const pulse_ref& ref) override {
    std::lock_guard lock(mutex_);
    unreachable_.push_back(ref.who);
  }
  bool removed_from(const domain::workspace_ref& workspace) override {
    std::lock_guard lock(mutex_);
    return std::find(removed_.begin(), removed_.end(), workspace) != removed_.end();
  }
  void remove(const domain::workspace_ref& workspace) {
    std::lock_guard lock(mutex_);
    removed_.push_back(workspace);
  }
  std::optional<keyed_post> direct_messages_off(const domain::workspace_ref&) override {
    return keyed_post{{domain::platform::slack, "CLEADERS"}, note("DMs are off"), "admin.dm_off"};
  }
  std::vector<domain::member_key> unreachable() const {
    std::lock_guard lock(mutex_);
    return unreachable_;
  }
  // Two admins; each note says what it was told, so the test sees the outcome reach the engine.
  std::vector<keyed_note> digest_undelivered(const domain::workspace_ref& workspace,
                                             const domain::conversation_ref& where, std::string_view week,
                                             bool bot_absent, std::string_view reason) override {
    std::vector<keyed_note> out;
    for (const auto* admin : {"UADMIN1", "UADMIN2"}) {
      const auto text = std::string(week) + " not posted in " + where.address + ": " + std::string(reason) +
                        (bot_absent ? " (not in it)" : "");
      out.push_back({{{workspace, admin}, note(text)}, "admin.digest:" + std::string(week) + ":" + admin});
    }
    return out;
  }
  std::vector<domain::message_ref> landed() const {
    std::lock_guard lock(mutex_);
    return landed_;
  }

  std::atomic<int> updates_rendered = 0;

 private:
  mutable std::mutex mutex_;
  std::vector<domain::message_ref> landed_;
  std::vector<domain::member_key> unreachable_;
  std::vector<domain::workspace_ref> removed_;
};

class outbox_worker_test : public ::testing::Test {
 protected:
  explicit outbox_worker_test(std::chrono::hours longest_hold = 24h) {
    store_->migrate();
    outbox_options options;
    options.longest_hold = longest_hold;
    options.senders = 2;
    options.idle_poll = 20ms;  // how soon a row that became due is seen without a wake
    worker_.emplace(io_, *store_, pool_, std::vector<channel_plug*>{&plug_}, clock_, stats_, content_, options);
    worker_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~outbox_worker_test() override {
    std::promise<void> stopped;
    worker_->stop([&] { stopped.set_value(); });
    stopped.get_future().wait();
    work_.reset();
    thread_.join();
    pool_.join();
  }

  std::int64_t enqueue(storage::outbox_kind kind, std::string address, const outbox_content& content) {
    const auto id = store_->enqueue(make_row(alice.workspace.on, kind, std::move(address), content, clock_.now()), clock_.now());
    worker_->wake();
    return id;
  }

  // Waits until the row's stored state satisfies `done` (the worker recorded an outcome).
  storage::outbox_message wait_for_row(std::int64_t id, const std::function<bool(const storage::outbox_message&)>& done) {
    for (auto give_up = steady_clock::now() + 10s; steady_clock::now() < give_up;) {
      if (auto m = store_->find_outbox(id); m && done(*m)) return *m;
      std::this_thread::yield();
    }
    ADD_FAILURE() << "row " << id << " never reached the expected state";
    return *store_->find_outbox(id);
  }

  testing::temp_dir dir_;
  std::unique_ptr<storage::store> store_ = storage::open_store("sqlite:" + dir_.file("o.db"));
  domain::manual_clock clock_{domain::time_point{sys_days{2026y / November / 30} + 9h}};
  testing::recording_plug plug_;
  fixed_content content_;
  metrics stats_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ = boost::asio::make_work_guard(io_);
  boost::asio::thread_pool pool_{2};
  std::optional<outbox_worker> worker_;
  std::thread thread_;
};

TEST_F(outbox_worker_test, a_message_is_rendered_by_its_plug_and_marked_sent) {
  const auto id = enqueue(storage::outbox_kind::reply, "reply-address", note("Thanks"));
  ASSERT_TRUE(plug_.wait_for_sends(1));
  const auto sent = plug_.sends();
  EXPECT_EQ(sent[0].action, send_action::reply);
  EXPECT_EQ(sent[0].address, "reply-address");
  EXPECT_EQ(sent[0].message.fallback_text, "Thanks");
  EXPECT_EQ(wait_for_row(id, [](const auto& m) { return m.status == outbox_status::sent; }).attempts, 1);
}

// Both senders want the same bucket (100 a second, one at a time): the turn 10 ms ahead is within
// the idle poll, so it is taken at once and waited for with the message in hand. Before, the
// second sender rendered the message, found the bucket busy, put it back and claimed it again.
// New work arriving all the while (a wake every millisecond, as clicks under load bring) neither
// hurries a turn nor sets a waiting sender claiming again.
TEST_F(outbox_worker_test, a_turn_due_within_the_idle_poll_is_waited_for_with_the_message_in_hand) {
  constexpr int count = 4;
  for (int i = 0; i < count; ++i) {
    enqueue(storage::outbox_kind::pulse_update, "paced:" + std::to_string(i), pulse_ref{alice, i + 1});
  }
  std::atomic<bool> done = false;
  std::thread new_work([&] {
    while (!done) {
      worker_->wake();
      std::this_thread::sleep_for(1ms);
    }
  });
  const bool all_sent = plug_.wait_for_sends(count);
  done = true;
  new_work.join();
  ASSERT_TRUE(all_sent);
  EXPECT_EQ(content_.updates_rendered.load(), count) << "each rendered once: none put back and claimed again";
  const auto sent = plug_.sends();
  ASSERT_EQ(sent.size(), std::size_t{count});
  // The turns are 10 ms apart and each send waits for its own: the last goes 30 ms after the
  // first at the soonest (less the first's own delay behind its turn, a scheduling moment).
  EXPECT_GE(sent.back().at - sent.front().at, 25ms);
}

TEST_F(outbox_worker_test, a_transient_failure_is_tried_again_after_the_backoff_and_not_before) {
  plug_.script({outcome(domain::delivery_verdict::retry, "HTTP 503")});
  const auto id = enqueue(storage::outbox_kind::post, "C1", note("digest"));
  const auto waiting = wait_for_row(id, [](const auto& m) { return m.status == outbox_status::pending && m.attempts == 1; });
  EXPECT_EQ(waiting.last_error, "HTTP 503");
  // Backoff with jitter: between half and all of the first backoff (1 s), on the clock.
  EXPECT_GE(waiting.next_attempt_at, clock_.now() + 500ms);
  EXPECT_LE(waiting.next_attempt_at, clock_.now() + 1s);
  EXPECT_TRUE(store_->claim_due(clock_.now(), clock_.now() + 1min, 1).empty());  // not due: nobody may send it
  EXPECT_EQ(plug_.sends().size(), 1U);

  clock_.advance(1s);
  worker_->wake();
  ASSERT_TRUE(plug_.wait_for_sends(2));
  EXPECT_EQ(wait_for_row(id, [](const auto& m) { return m.status == outbox_status::sent; }).attempts, 2);
}

TEST_F(outbox_worker_test, a_rate_limit_waits_for_retry_after_without_counting_an_attempt) {
  plug_.script({outcome(domain::delivery_verdict::rate_limited, "ratelimited")});
  const auto id = enqueue(storage::outbox_kind::post, "C1", note("digest"));
  const auto waiting = wait_for_row(id, [&](const auto& m) { return m.status == outbox_status::pending && m.next_attempt_at > clock_.now(); });
  EXPECT_EQ(waiting.next_attempt_at, clock_.now() + 30s);
  EXPECT_EQ(waiting.attempts, 0);
  clock_.advance(30s);
  worker_->wake();
  ASSERT_TRUE(plug_.wait_for_sends(2));
  wait_for_row(id, [](const auto& m) { return m.status == outbox_status::sent; });
}

TEST_F(outbox_worker_test, a_permanent_failure_is_dead_lettered_with_its_reason) {
  plug_.script({outcome(domain::delivery_verdict::permanent, "channel_not_found")});
  const auto id = enqueue(storage::outbox_kind::post, "C404", note("digest"));
  EXPECT_EQ(wait_for_row(id, [](const auto& m) { return m.status == outbox_status::dead; }).last_error, "channel_not_found");
}

TEST_F(outbox_worker_test, a_pulse_dm_opens_the_direct_conversation_once_and_remembers_where_it_landed) {
  const auto id = enqueue(storage::outbox_kind::pulse_dm, alice.user, pulse_ref{alice, 7});
  ASSERT_TRUE(plug_.wait_for_sends(2));
  wait_for_row(id, [](const auto& m) { return m.status == outbox_status::sent; });
  const auto sent = plug_.sends();
  EXPECT_EQ(sent[0].action, send_action::open_direct);
  EXPECT_EQ(sent[1].action, send_action::post);
  EXPECT_EQ(sent[1].address, "D-U1");
  EXPECT_EQ(sent[1].message.fallback_text, "this week's pulse");
  EXPECT_EQ(store_->find_direct_conversation(alice), (domain::conversation_ref{domain::platform::slack, "D-U1"}));
  ASSERT_EQ(content_.landed().size(), 1U);
  EXPECT_EQ(content_.landed()[0].conversation.address, "D-U1");

  // The next pulse goes straight to the remembered conversation.
  const auto next = enqueue(storage::outbox_kind::pulse_dm, alice.user, pulse_ref{alice, 8});
  ASSERT_TRUE(plug_.wait_for_sends(3));
  wait_for_row(next, [](const auto& m) { return m.status == outbox_status::sent; });
  EXPECT_EQ(plug_.sends()[2].action, send_action::post);
}

TEST_F(outbox_worker_test, a_direct_conversation_that_is_gone_is_forgotten) {
  store_->remember_direct_conversation(alice, {domain::platform::slack, "DOLD"});
  plug_.script({outcome(domain::delivery_verdict::permanent, "channel_not_found", domain::delivery_problem::conversation_gone)});
  const auto id = enqueue(storage::outbox_kind::pulse_dm, alice.user, pulse_ref{alice, 7});
  wait_for_row(id, [](const auto& m) { return m.status == outbox_status::dead; });
  EXPECT_FALSE(store_->find_direct_conversation(alice));
}

TEST_F(outbox_worker_test, a_post_into_a_conversation_without_the_bot_tells_whoever_asked) {
  plug_.script({outcome(domain::delivery_verdict::permanent, "not_in_channel", domain::delivery_problem::not_in_conversation)});
  const auto id = enqueue(storage::outbox_kind::post, "CPRIVATE",
                          post_with_notice{note("digest"), "reply-to-the-admin", note("Invite me first")});
  ASSERT_TRUE(plug_.wait_for_sends(2));
  wait_for_row(id, [](const auto& m) { return m.status == outbox_status::dead; });
  const auto sent = plug_.sends();
  EXPECT_EQ(sent[0].action, send_action::post);
  EXPECT_EQ(sent[0].message.fallback_text, "digest");
  EXPECT_EQ(sent[1].action, send_action::reply);
  EXPECT_EQ(sent[1].address, "reply-to-the-admin");
  EXPECT_EQ(sent[1].message.fallback_text, "Invite me first");
}

// The scheduled digest used to die in a log line when the bot was not in its channel: nobody
// asked for it, so nobody heard. Now each admin gets a DM (opened first) and /metrics counts it.
TEST_F(outbox_worker_test, an_unattended_post_that_dies_is_told_to_each_admin_by_direct_message) {
  plug_.script(
      {outcome(domain::delivery_verdict::permanent, "not_in_channel", domain::delivery_problem::not_in_conversation)});
  const auto id = enqueue(storage::outbox_kind::post, "CLEADERS", unattended_post{note("digest"), team, "2026-W49"});
  // The post, then per admin: open the direct conversation, post the note.
  ASSERT_TRUE(plug_.wait_for_sends(5));
  wait_for_row(id, [](const auto& m) { return m.status == outbox_status::dead; });
  auto sent = plug_.sends();
  EXPECT_EQ(sent[0].address, "CLEADERS");
  std::vector<std::string> notes;
  for (std::size_t i = 1; i < sent.size(); ++i) {
    if (sent[i].action == send_action::post) notes.push_back(sent[i].address + " " + sent[i].message.fallback_text);
  }
  std::sort(notes.begin(), notes.end());
  EXPECT_EQ(notes, (std::vector<std::string>{"D-UADMIN1 2026-W49 not posted in CLEADERS: not_in_channel (not in it)",
                                             "D-UADMIN2 2026-W49 not posted in CLEADERS: not_in_channel (not in it)"}));
  EXPECT_NE(stats_.render(0).find("smrel_admin_alerts_total{about=\"digest_undelivered\"} 1\n"), std::string::npos);
  // Told once: the same failure met again (say, by another replica) queues no second note.
  ASSERT_EQ(plug_.sends().size(), 5U);
  for (auto give_up = steady_clock::now() + 10s; store_->outbox_depth() != 0 && steady_clock::now() < give_up;) {
    std::this_thread::yield();  // the second note's outcome is being recorded
  }
  ASSERT_EQ(store_->outbox_depth(), 0U);
  auto keyed =
      make_row(team.on, storage::outbox_kind::post, "UADMIN1", direct_note{{team, "UADMIN1"}, note("x")}, clock_.now());
  keyed.dedupe_key = "admin.digest:2026-W49:UADMIN1";
  store_->enqueue(keyed, clock_.now());
  EXPECT_EQ(store_->outbox_depth(), 0U) << "the note already sent is not queued again";
}

TEST_F(outbox_worker_test, an_unattended_post_that_may_still_land_tells_nobody_yet) {
  plug_.script({outcome(domain::delivery_verdict::retry, "HTTP 503")});
  const auto id = enqueue(storage::outbox_kind::post, "CLEADERS", unattended_post{note("digest"), team, "2026-W49"});
  wait_for_row(id, [](const auto& m) { return m.status == outbox_status::pending && m.attempts == 1; });
  clock_.advance(1s);
  worker_->wake();
  wait_for_row(id, [](const auto& m) { return m.status == outbox_status::sent; });
  EXPECT_EQ(plug_.sends().size(), 2U);
  EXPECT_NE(stats_.render(0).find("smrel_admin_alerts_total{about=\"digest_undelivered\"} 0\n"), std::string::npos);
}

// A person Slack does not know (or who was deactivated) was dead-lettered and stayed counted as
// asked forever. Now the engine hears of it, to stop asking them.
TEST_F(outbox_worker_test, a_person_the_platform_cannot_reach_is_reported_to_the_engine) {
  plug_.script(
      {outcome(domain::delivery_verdict::permanent, "user_disabled", domain::delivery_problem::person_unreachable)});
  const auto id = enqueue(storage::outbox_kind::pulse_dm, alice.user, pulse_ref{alice, 7});
  EXPECT_EQ(wait_for_row(id, [](const auto& m) { return m.status == outbox_status::dead; }).last_error,
            "user_disabled");
  for (auto give_up = steady_clock::now() + 10s; content_.unreachable().empty() && steady_clock::now() < give_up;) {
    std::this_thread::yield();
  }
  EXPECT_EQ(content_.unreachable(), (std::vector<domain::member_key>{alice}));
}

// Token errors are about the app, never one message: they used to dead-letter every queued
// message in turn. Now the platform's sends are held (nothing lost, no attempt counted) and tried
// again when the hold ends.
TEST_F(outbox_worker_test, refused_credentials_hold_every_send_until_the_hold_ends) {
  plug_.script(
      {outcome(domain::delivery_verdict::permanent, "invalid_auth", domain::delivery_problem::credentials_refused)});
  const auto first = enqueue(storage::outbox_kind::post, "C1", note("one"));
  const auto until = clock_.now() + 10min;
  const auto held = wait_for_row(first, [&](const auto& m) { return m.next_attempt_at == until; });
  EXPECT_EQ(held.status, outbox_status::pending);  // released with the time set in one write
  EXPECT_EQ(held.attempts, 0);
  EXPECT_NE(stats_.render(0).find("smrel_admin_alerts_total{about=\"credentials_refused\"} 1\n"), std::string::npos);
  // Queued during the hold: claimed, and put back until the hold ends without a send.
  const auto second = enqueue(storage::outbox_kind::reply, "reply-to", note("two"));
  wait_for_row(second, [&](const auto& m) { return m.next_attempt_at == until && m.status == outbox_status::pending; });
  EXPECT_EQ(plug_.sends().size(), 1U);
  clock_.advance(10min);
  worker_->wake();
  ASSERT_TRUE(plug_.wait_for_sends(3));
  wait_for_row(first, [](const auto& m) { return m.status == outbox_status::sent; });
  wait_for_row(second, [](const auto& m) { return m.status == outbox_status::sent; });
}

// A refusal that never ends (a wrong token nobody mends) must not hold a message forever: after
// longest_hold of refusals on end, what is held is dead-lettered with the reason.
class outbox_worker_short_hold_test : public outbox_worker_test {
 protected:
  outbox_worker_short_hold_test() : outbox_worker_test(1h) {}
};

TEST_F(outbox_worker_short_hold_test, refusals_that_never_end_dead_letter_what_they_hold) {
  const auto refused =
      outcome(domain::delivery_verdict::permanent, "invalid_auth", domain::delivery_problem::credentials_refused);
  plug_.script(std::vector<domain::delivery_outcome>(10, refused));
  const auto id = enqueue(storage::outbox_kind::post, "C1", note("one"));
  for (int round = 0; round < 6; ++round) {  // held at 0, 10, … 50 minutes into the refusals
    const auto until = clock_.now() + 10min;
    ASSERT_EQ(wait_for_row(id, [&](const auto& m) { return m.next_attempt_at == until; }).status,
              outbox_status::pending);
    clock_.advance(10min);
    worker_->wake();
  }
  // An hour of refusals on end: given up, not held again.
  EXPECT_EQ(wait_for_row(id, [](const auto& m) { return m.status == outbox_status::dead; }).last_error,
            "held too long: invalid_auth");
}

// The app's direct messages switched off (Slack: messages_tab_disabled) holds the DMs only, and
// tells the admins where the digest goes, since no DM would reach them.
TEST_F(outbox_worker_test, direct_messages_turned_off_hold_the_dms_and_tell_the_digest_channel) {
  store_->remember_direct_conversation(alice, {domain::platform::slack, "D-U1"});
  plug_.script({outcome(domain::delivery_verdict::permanent, "messages_tab_disabled",
                        domain::delivery_problem::direct_messages_off)});
  const auto dm = enqueue(storage::outbox_kind::pulse_dm, alice.user, pulse_ref{alice, 7});
  ASSERT_TRUE(plug_.wait_for_sends(2));
  const auto sent = plug_.sends();
  EXPECT_EQ(sent[1].address, "CLEADERS");
  EXPECT_EQ(sent[1].message.fallback_text, "DMs are off");
  const auto until = clock_.now() + 10min;
  EXPECT_EQ(wait_for_row(dm, [&](const auto& m) { return m.next_attempt_at == until; }).status, outbox_status::pending);
  EXPECT_TRUE(content_.unreachable().empty()) << "nobody is unreachable: the app is";
  // Posts into channels go on meanwhile; DMs wait for the hold.
  const auto post = enqueue(storage::outbox_kind::post, "C1", note("digest"));
  wait_for_row(post, [](const auto& m) { return m.status == outbox_status::sent; });
  const auto note_to_admin = enqueue(storage::outbox_kind::post, "UADMIN1", direct_note{{team, "UADMIN1"}, note("x")});
  EXPECT_EQ(wait_for_row(note_to_admin, [&](const auto& m) { return m.next_attempt_at == until; }).status,
            outbox_status::pending);
  EXPECT_EQ(plug_.sends().size(), 3U);
  EXPECT_NE(stats_.render(0).find("smrel_admin_alerts_total{about=\"direct_messages_off\"} 1\n"), std::string::npos);
}

// Once the app is removed from a workspace, nothing unasked goes there: queued pulse DMs and
// notes are skipped without a call. A reply to someone who just acted still goes.
TEST_F(outbox_worker_test, nothing_unasked_is_sent_into_a_workspace_the_app_was_removed_from) {
  content_.remove(team);
  const auto dm = enqueue(storage::outbox_kind::pulse_dm, alice.user, pulse_ref{alice, 7});
  const auto told = enqueue(storage::outbox_kind::post, "UADMIN1", direct_note{{team, "UADMIN1"}, note("x")});
  const auto reply = enqueue(storage::outbox_kind::reply, "reply-to", note("Thanks"));
  ASSERT_TRUE(plug_.wait_for_sends(1));
  for (const auto id : {dm, told, reply})
    wait_for_row(id, [](const auto& m) { return m.status == outbox_status::sent; });
  const auto sent = plug_.sends();
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_EQ(sent[0].address, "reply-to");
}

TEST_F(outbox_worker_test, a_post_that_lands_sends_no_notice) {
  const auto id = enqueue(storage::outbox_kind::post, "CPUBLIC", post_with_notice{note("digest"), "reply-to", note("Invite me")});
  wait_for_row(id, [](const auto& m) { return m.status == outbox_status::sent; });
  ASSERT_EQ(plug_.sends().size(), 1U);
  EXPECT_EQ(store_->outbox_depth(), 0U);
}

TEST_F(outbox_worker_test, unreadable_content_and_unknown_platforms_are_dead_lettered_not_retried) {
  auto garbled = make_row(domain::platform::slack, storage::outbox_kind::post, "C1", note("x"), clock_.now());
  garbled.content = "{not json";
  const auto bad = store_->enqueue(garbled, clock_.now());
  auto elsewhere = make_row(domain::platform::teams, storage::outbox_kind::post, "conv", note("x"), clock_.now());
  const auto teams = store_->enqueue(elsewhere, clock_.now());
  worker_->wake();
  EXPECT_EQ(wait_for_row(bad, [](const auto& m) { return m.status == outbox_status::dead; }).last_error, "unreadable content");
  EXPECT_NE(wait_for_row(teams, [](const auto& m) { return m.status == outbox_status::dead; }).last_error.find("no channel"),
            std::string::npos);
  EXPECT_TRUE(plug_.sends().empty());
}

}  // namespace
}  // namespace smrel::service
