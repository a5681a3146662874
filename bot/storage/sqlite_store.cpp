#include "bot/storage/sqlite_store.hpp"

#include <mutex>

#include "bot/storage/sqlite_connection.hpp"
#include "bot/storage/sqlite_schema.hpp"

namespace smrel::storage {
namespace {

using sqlite::connection;
using sqlite::statement;
using sqlite::transaction;

std::int64_t to_ms(time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
time_point from_ms(std::int64_t ms) {
  return time_point{std::chrono::duration_cast<time_point::duration>(std::chrono::milliseconds{ms})};
}

scoring::iso_week parse_week(const std::string& text) {
  const auto week = scoring::iso_week::parse(text);
  if (!week) throw store_error("corrupt week in database: " + text);
  return *week;
}

scoring::group parse_group(const std::string& text) {
  const auto g = scoring::parse_group(text);
  if (!g) throw store_error("corrupt group in database: " + text);
  return *g;
}

domain::platform parse_platform(const std::string& text) {
  const auto p = domain::parse_platform(text);
  if (!p) throw store_error("corrupt platform in database: " + text);
  return *p;
}

std::string encode_items(const scoring::pulse_block& items) {
  std::string out;
  for (const auto k : items) {
    if (!out.empty()) out += ',';
    out += scoring::statements()[k].id;
  }
  return out;
}

scoring::pulse_block decode_items(const std::string& text) {
  scoring::pulse_block items{};
  std::size_t n = 0;
  std::size_t start = 0;
  while (start <= text.size() && n < items.size()) {
    const auto end = std::min(text.find(',', start), text.size());
    const auto index = scoring::statement_index(std::string_view(text).substr(start, end - start));
    if (!index) throw store_error("corrupt delivery items in database: " + text);
    items[n++] = static_cast<std::uint8_t>(*index);
    start = end + 1;
  }
  if (n != items.size()) throw store_error("corrupt delivery items in database: " + text);
  return items;
}

outbox_status parse_status(const std::string& text) {
  if (text == "sending") return outbox_status::sending;
  if (text == "sent") return outbox_status::sent;
  if (text == "dead") return outbox_status::dead;
  return outbox_status::pending;
}


member read_member(const statement& row) {
  member m;
  m.id = row.integer(0);
  m.key.workspace.on = parse_platform(row.text(1));
  m.key.workspace.id = row.text(2);
  m.key.user = row.text(3);
  m.group = parse_group(row.text(4));
  m.locale = row.text(5) == "nl" ? scoring::locale::nl : scoring::locale::en;
  m.opted_out = row.integer(6) != 0;
  m.joined_at = from_ms(row.integer(7));
  return m;
}

pulse read_pulse(const statement& row) {
  pulse p;
  p.id = row.integer(0);
  p.workspace.on = parse_platform(row.text(1));
  p.workspace.id = row.text(2);
  p.week = parse_week(row.text(3));
  p.opened_at = from_ms(row.integer(4));
  p.closes_at = from_ms(row.integer(5));
  return p;
}

delivery read_delivery(const statement& row) {
  delivery d;
  d.id = row.integer(0);
  d.pulse_id = row.integer(1);
  d.member_id = row.integer(2);
  d.items = decode_items(row.text(3));
  d.delivered_at = from_ms(row.integer(4));
  d.channel = row.text(5);
  d.message_id = row.text(6);
  return d;
}

answer_record read_answer(const statement& row) {
  answer_record a;
  a.week = parse_week(row.text(0));
  a.pseudonym = row.text(1);
  a.group = parse_group(row.text(2));
  a.item = static_cast<std::uint8_t>(row.integer(3));
  a.value = static_cast<std::uint8_t>(row.integer(4));
  a.pulse_id = row.integer(5);
  a.answered_at = from_ms(row.integer(6));
  return a;
}

outbox_message read_outbox(const statement& row) {
  outbox_message m;
  m.id = row.integer(0);
  m.on = parse_platform(row.text(1));
  m.method = row.text(2);
  m.target = row.text(3);
  m.payload = row.text(4);
  m.dedupe_key = row.text(5);
  m.status = parse_status(row.text(6));
  m.attempts = static_cast<int>(row.integer(7));
  m.next_attempt_at = from_ms(row.integer(8));
  m.last_error = row.text(9);
  return m;
}

class sqlite_store final : public store {
 public:
  explicit sqlite_store(const std::string& path) : db_(path, true), outbox_db_(path, false) {
    db_.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  }

  int migrate() override {
    std::lock_guard lock(mutex_);
    const auto all = sqlite::migrations();
    int applied = 0;
    for (int version = current_version() + 1; version <= static_cast<int>(all.size()); ++version) {
      transaction tx(db_);
      db_.exec(all[static_cast<std::size_t>(version - 1)]);
      db_.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, strftime('%s','now') * 1000)")
          .bind(1, version)
          .run();
      tx.commit();
      ++applied;
    }
    return applied;
  }

  int schema_version() override {
    std::lock_guard lock(mutex_);
    return current_version();
  }

  int latest_schema_version() const override { return static_cast<int>(sqlite::migrations().size()); }

  bool ping() override {
    std::lock_guard lock(mutex_);
    try {
      auto s = db_.prepare("SELECT 1");
      return s.step();
    } catch (const store_error&) {
      return false;
    }
  }

  member upsert_member(const domain::member_key& key, scoring::locale locale, time_point now) override {
    std::lock_guard lock(mutex_);
    db_.prepare("INSERT INTO members (platform, workspace, chat_user, locale, joined_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (platform, workspace, chat_user) DO NOTHING")
        .bind(1, domain::platform_id(key.workspace.on))
        .bind(2, key.workspace.id)
        .bind(3, key.user)
        .bind(4, scoring::locale_id(locale))
        .bind(5, to_ms(now))
        .run();
    return *find_member_locked(key);
  }

  std::optional<member> find_member(const domain::member_key& key) override {
    std::lock_guard lock(mutex_);
    return find_member_locked(key);
  }

  std::optional<member> find_member(std::int64_t id) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT id, platform, workspace, chat_user, grp, locale, opted_out, joined_at FROM members WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_member(s);
  }

  std::vector<member> members(const domain::workspace_ref& workspace) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT id, platform, workspace, chat_user, grp, locale, opted_out, joined_at FROM members "
                         "WHERE platform = ? AND workspace = ? ORDER BY id");
    s.bind(1, domain::platform_id(workspace.on)).bind(2, workspace.id);
    std::vector<member> out;
    while (s.step()) out.push_back(read_member(s));
    return out;
  }

  std::vector<domain::workspace_ref> workspaces() override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT platform, workspace FROM members UNION SELECT platform, workspace FROM respondents "
                         "ORDER BY 1, 2");
    std::vector<domain::workspace_ref> out;
    while (s.step()) out.push_back({parse_platform(s.text(0)), s.text(1)});
    return out;
  }

  void set_group(const domain::member_key& key, std::string_view pseudonym, scoring::group group) override {
    std::lock_guard lock(mutex_);
    transaction tx(db_);
    db_.prepare("UPDATE members SET grp = ? WHERE platform = ? AND workspace = ? AND chat_user = ?")
        .bind(1, scoring::group_id(group))
        .bind(2, domain::platform_id(key.workspace.on))
        .bind(3, key.workspace.id)
        .bind(4, key.user)
        .run();
    if (db_.changes() == 0) throw store_error("no such member");
    db_.prepare("INSERT INTO respondents (pseudonym, platform, workspace, grp) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (pseudonym) DO UPDATE SET grp = excluded.grp")
        .bind(1, pseudonym)
        .bind(2, domain::platform_id(key.workspace.on))
        .bind(3, key.workspace.id)
        .bind(4, scoring::group_id(group))
        .run();
    tx.commit();
  }

  void set_locale(const domain::member_key& key, scoring::locale locale) override {
    std::lock_guard lock(mutex_);
    db_.prepare("UPDATE members SET locale = ? WHERE platform = ? AND workspace = ? AND chat_user = ?")
        .bind(1, scoring::locale_id(locale))
        .bind(2, domain::platform_id(key.workspace.on))
        .bind(3, key.workspace.id)
        .bind(4, key.user)
        .run();
  }

  void set_opted_out(const domain::member_key& key, bool opted_out) override {
    std::lock_guard lock(mutex_);
    db_.prepare("UPDATE members SET opted_out = ? WHERE platform = ? AND workspace = ? AND chat_user = ?")
        .bind(1, opted_out ? 1 : 0)
        .bind(2, domain::platform_id(key.workspace.on))
        .bind(3, key.workspace.id)
        .bind(4, key.user)
        .run();
  }

  void forget(const domain::member_key& key, std::string_view pseudonym) override {
    std::lock_guard lock(mutex_);
    transaction tx(db_);
    db_.prepare("DELETE FROM answers WHERE pseudonym = ?").bind(1, pseudonym).run();
    db_.prepare("DELETE FROM follow_up_answers WHERE pseudonym = ?").bind(1, pseudonym).run();
    db_.prepare("DELETE FROM respondents WHERE pseudonym = ?").bind(1, pseudonym).run();
    // Deliveries go with the member (ON DELETE CASCADE).
    db_.prepare("DELETE FROM members WHERE platform = ? AND workspace = ? AND chat_user = ?")
        .bind(1, domain::platform_id(key.workspace.on))
        .bind(2, key.workspace.id)
        .bind(3, key.user)
        .run();
    forget_dm_channel_locked(key);
    tx.commit();
  }

  std::optional<std::string> find_dm_channel(const domain::member_key& key) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT channel FROM dm_channels WHERE platform = ? AND workspace = ? AND chat_user = ?");
    s.bind(1, domain::platform_id(key.workspace.on)).bind(2, key.workspace.id).bind(3, key.user);
    if (!s.step()) return std::nullopt;
    return s.text(0);
  }

  void remember_dm_channel(const domain::member_key& key, std::string_view channel) override {
    std::lock_guard lock(mutex_);
    db_.prepare("INSERT INTO dm_channels (platform, workspace, chat_user, channel) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (platform, workspace, chat_user) DO UPDATE SET channel = excluded.channel "
                "WHERE channel <> excluded.channel")  // the Messages tab reports it on every visit
        .bind(1, domain::platform_id(key.workspace.on))
        .bind(2, key.workspace.id)
        .bind(3, key.user)
        .bind(4, channel)
        .run();
  }

  void forget_dm_channel(const domain::member_key& key) override {
    std::lock_guard lock(mutex_);
    forget_dm_channel_locked(key);
  }

  bool run_done(const domain::workspace_ref& workspace, std::string_view kind, scoring::iso_week week) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT 1 FROM scheduled_runs WHERE platform = ? AND workspace = ? AND kind = ? AND week = ?");
    s.bind(1, domain::platform_id(workspace.on)).bind(2, workspace.id).bind(3, kind).bind(4, week.to_string());
    return s.step();
  }

  void mark_run_done(const domain::workspace_ref& workspace, std::string_view kind, scoring::iso_week week,
                     time_point at) override {
    std::lock_guard lock(mutex_);
    db_.prepare("INSERT INTO scheduled_runs (platform, workspace, kind, week, done_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING")
        .bind(1, domain::platform_id(workspace.on))
        .bind(2, workspace.id)
        .bind(3, kind)
        .bind(4, week.to_string())
        .bind(5, to_ms(at))
        .run();
  }

  pulse open_pulse(const domain::workspace_ref& workspace, scoring::iso_week week, time_point opened_at,
                   time_point closes_at) override {
    std::lock_guard lock(mutex_);
    db_.prepare("INSERT INTO pulses (platform, workspace, week, opened_at, closes_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (platform, workspace, week) DO NOTHING")
        .bind(1, domain::platform_id(workspace.on))
        .bind(2, workspace.id)
        .bind(3, week.to_string())
        .bind(4, to_ms(opened_at))
        .bind(5, to_ms(closes_at))
        .run();
    return *find_pulse_locked(workspace, week);
  }

  std::optional<pulse> find_pulse(std::int64_t id) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT id, platform, workspace, week, opened_at, closes_at FROM pulses WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_pulse(s);
  }

  std::optional<pulse> find_pulse(const domain::workspace_ref& workspace, scoring::iso_week week) override {
    std::lock_guard lock(mutex_);
    return find_pulse_locked(workspace, week);
  }

  delivery record_delivery(std::int64_t pulse_id, std::int64_t member_id, const scoring::pulse_block& items,
                           time_point at) override {
    std::lock_guard lock(mutex_);
    db_.prepare("INSERT INTO deliveries (pulse_id, member_id, items, delivered_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (pulse_id, member_id) DO NOTHING")
        .bind(1, pulse_id)
        .bind(2, member_id)
        .bind(3, encode_items(items))
        .bind(4, to_ms(at))
        .run();
    return *find_delivery_locked(pulse_id, member_id);
  }

  void set_delivery_message(std::int64_t delivery_id, std::string_view channel, std::string_view message_id) override {
    std::lock_guard lock(mutex_);
    db_.prepare("UPDATE deliveries SET channel = ?, message_id = ? WHERE id = ?")
        .bind(1, channel)
        .bind(2, message_id)
        .bind(3, delivery_id)
        .run();
  }

  std::optional<delivery> find_delivery(std::int64_t pulse_id, std::int64_t member_id) override {
    std::lock_guard lock(mutex_);
    return find_delivery_locked(pulse_id, member_id);
  }

  response_count pulse_response(std::int64_t pulse_id) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT (SELECT COUNT(*) FROM deliveries WHERE pulse_id = ?1), "
                         "(SELECT COUNT(DISTINCT pseudonym) FROM answers WHERE pulse_id = ?1)");
    s.bind(1, pulse_id);
    s.step();
    return {static_cast<int>(s.integer(0)), static_cast<int>(s.integer(1))};
  }

  void store_answers(std::span<const new_answer> answers) override {
    if (answers.empty()) return;
    std::lock_guard lock(mutex_);
    transaction tx(db_);
    for (const auto& a : answers) insert_answer(a);
    tx.commit();
  }

  void commit(const write_batch& batch, time_point now) override {
    if (batch.answers.empty() && batch.follow_ups.empty() && batch.outbox.empty()) return;
    std::lock_guard lock(mutex_);
    transaction tx(db_);
    for (const auto& a : batch.answers) insert_answer(a);
    for (const auto& f : batch.follow_ups) {
      db_.prepare("INSERT INTO follow_up_answers (nudge, pseudonym, value, answered_at) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT (nudge, pseudonym) DO UPDATE SET value = excluded.value, answered_at = excluded.answered_at")
          .bind(1, f.nudge)
          .bind(2, f.pseudonym)
          .bind(3, static_cast<std::int64_t>(f.value))
          .bind(4, to_ms(f.answered_at))
          .run();
    }
    for (const auto& m : batch.outbox) insert_outbox(m, now);
    tx.commit();
  }

  std::vector<answer_record> answers(const domain::workspace_ref& workspace, scoring::iso_week from,
                                     scoring::iso_week to) override {
    std::lock_guard lock(mutex_);
    // Respondents without a group row (never joined) count as "other".
    auto s = db_.prepare(
        "SELECT a.week, a.pseudonym, COALESCE(r.grp, 'other'), a.item, a.value, a.pulse_id, a.answered_at "
        "FROM answers a LEFT JOIN respondents r ON r.pseudonym = a.pseudonym "
        "WHERE a.platform = ? AND a.workspace = ? AND a.week BETWEEN ? AND ? "
        "ORDER BY a.week, a.answered_at, a.id");
    s.bind(1, domain::platform_id(workspace.on)).bind(2, workspace.id).bind(3, from.to_string()).bind(4, to.to_string());
    std::vector<answer_record> out;
    while (s.step()) out.push_back(read_answer(s));
    return out;
  }

  std::vector<answer_record> answers_by(std::string_view pseudonym, std::int64_t pulse_id) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare(
        "SELECT a.week, a.pseudonym, COALESCE(r.grp, 'other'), a.item, a.value, a.pulse_id, a.answered_at "
        "FROM answers a LEFT JOIN respondents r ON r.pseudonym = a.pseudonym "
        "WHERE a.pseudonym = ? AND a.pulse_id = ? ORDER BY a.item");
    s.bind(1, pseudonym).bind(2, pulse_id);
    std::vector<answer_record> out;
    while (s.step()) out.push_back(read_answer(s));
    return out;
  }

  std::size_t answer_count() override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT COUNT(*) FROM answers");
    s.step();
    return static_cast<std::size_t>(s.integer(0));
  }

  bool record_event(std::string_view event_id, time_point received_at) override {
    std::lock_guard lock(mutex_);
    db_.prepare("INSERT INTO processed_events (event_id, received_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING")
        .bind(1, event_id)
        .bind(2, to_ms(received_at))
        .run();
    return db_.changes() == 1;
  }

  std::size_t prune_events(time_point cutoff) override {
    std::lock_guard lock(mutex_);
    db_.prepare("DELETE FROM processed_events WHERE received_at < ?").bind(1, to_ms(cutoff)).run();
    return static_cast<std::size_t>(db_.changes());
  }

  std::int64_t record_nudge(const issued_nudge& n) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("INSERT INTO nudges (platform, workspace, nudge_id, week, why, issued_at, follow_up_week) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, workspace, week, nudge_id) DO NOTHING");
    s.bind(1, domain::platform_id(n.workspace.on))
        .bind(2, n.workspace.id)
        .bind(3, n.nudge_id)
        .bind(4, n.week.to_string())
        .bind(5, n.why)
        .bind(6, to_ms(n.issued_at));
    if (n.follow_up_week) {
      s.bind(7, n.follow_up_week->to_string());
    } else {
      s.bind_null(7);
    }
    s.run();
    auto id = db_.prepare("SELECT id FROM nudges WHERE platform = ? AND workspace = ? AND week = ? AND nudge_id = ?");
    id.bind(1, domain::platform_id(n.workspace.on)).bind(2, n.workspace.id).bind(3, n.week.to_string()).bind(4, n.nudge_id);
    id.step();
    return id.integer(0);
  }

  std::vector<issued_nudge> nudges_since(const domain::workspace_ref& workspace, scoring::iso_week from) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT id, platform, workspace, nudge_id, week, why, issued_at, follow_up_week FROM nudges "
                         "WHERE platform = ? AND workspace = ? AND week >= ? ORDER BY week, id");
    s.bind(1, domain::platform_id(workspace.on)).bind(2, workspace.id).bind(3, from.to_string());
    std::vector<issued_nudge> out;
    while (s.step()) {
      issued_nudge n;
      n.id = s.integer(0);
      n.workspace = {parse_platform(s.text(1)), s.text(2)};
      n.nudge_id = s.text(3);
      n.week = parse_week(s.text(4));
      n.why = s.text(5);
      n.issued_at = from_ms(s.integer(6));
      if (!s.is_null(7)) n.follow_up_week = parse_week(s.text(7));
      out.push_back(std::move(n));
    }
    return out;
  }

  std::vector<std::uint8_t> follow_up_values(std::int64_t nudge) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT value FROM follow_up_answers WHERE nudge = ?");
    s.bind(1, nudge);
    std::vector<std::uint8_t> out;
    while (s.step()) out.push_back(static_cast<std::uint8_t>(s.integer(0)));
    return out;
  }

  std::optional<std::uint8_t> follow_up_value(std::int64_t nudge, std::string_view pseudonym) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT value FROM follow_up_answers WHERE nudge = ? AND pseudonym = ?");
    s.bind(1, nudge).bind(2, pseudonym);
    if (!s.step()) return std::nullopt;
    return static_cast<std::uint8_t>(s.integer(0));
  }

  std::int64_t enqueue(const outbox_message& m, time_point now) override {
    std::lock_guard lock(mutex_);
    insert_outbox(m, now);
    auto s = db_.prepare("SELECT id FROM outbox WHERE dedupe_key = ?");
    s.bind(1, m.dedupe_key);
    s.step();
    return s.integer(0);
  }

  std::vector<outbox_message> claim_due(time_point now, time_point lease_until, std::size_t limit) override {
    std::lock_guard lock(outbox_mutex_);
    transaction tx(outbox_db_);
    std::vector<outbox_message> out;
    {
      // Due pending rows first, then "sending" rows whose lease ran out (their sender died). Two
      // range scans on (status, next_attempt_at), so a deep queue costs no sort.
      auto s = outbox_db_.prepare(
          "SELECT id, platform, method, target, payload, dedupe_key, status, attempts, next_attempt_at, last_error "
          "FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?");
      s.bind(1, to_ms(now)).bind(2, static_cast<std::int64_t>(limit));
      while (s.step()) out.push_back(read_outbox(s));
    }
    if (out.size() < limit) {
      auto s = outbox_db_.prepare(
          "SELECT id, platform, method, target, payload, dedupe_key, status, attempts, next_attempt_at, last_error "
          "FROM outbox WHERE status = 'sending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?");
      s.bind(1, to_ms(now)).bind(2, static_cast<std::int64_t>(limit - out.size()));
      while (s.step()) out.push_back(read_outbox(s));
    }
    for (auto& m : out) {
      outbox_db_.prepare("UPDATE outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = ?, updated_at = ? "
                  "WHERE id = ?")
          .bind(1, to_ms(lease_until))
          .bind(2, to_ms(now))
          .bind(3, m.id)
          .run();
      m.status = outbox_status::sending;
      ++m.attempts;
      m.next_attempt_at = lease_until;
    }
    tx.commit();
    return out;
  }

  void mark_sent(std::int64_t id, time_point at) override {
    std::lock_guard lock(outbox_mutex_);
    outbox_db_.prepare("UPDATE outbox SET status = 'sent', updated_at = ?, last_error = '' WHERE id = ?")
        .bind(1, to_ms(at))
        .bind(2, id)
        .run();
  }

  void reschedule(std::int64_t id, time_point next_attempt_at, std::string_view error) override {
    std::lock_guard lock(outbox_mutex_);
    outbox_db_.prepare("UPDATE outbox SET status = 'pending', next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ?")
        .bind(1, to_ms(next_attempt_at))
        .bind(2, error)
        .bind(3, to_ms(next_attempt_at))
        .bind(4, id)
        .run();
  }

  void mark_dead(std::int64_t id, std::string_view error, time_point at) override {
    std::lock_guard lock(outbox_mutex_);
    outbox_db_.prepare("UPDATE outbox SET status = 'dead', last_error = ?, updated_at = ? WHERE id = ?")
        .bind(1, error)
        .bind(2, to_ms(at))
        .bind(3, id)
        .run();
  }

  void release(std::int64_t id, time_point next_attempt_at) override {
    std::lock_guard lock(outbox_mutex_);
    outbox_db_.prepare("UPDATE outbox SET status = 'pending', attempts = MAX(attempts - 1, 0), next_attempt_at = ? "
                "WHERE id = ? AND status = 'sending'")
        .bind(1, to_ms(next_attempt_at))
        .bind(2, id)
        .run();
  }

  std::size_t release_all_claims(time_point now) override {
    std::lock_guard lock(outbox_mutex_);
    outbox_db_.prepare("UPDATE outbox SET status = 'pending', next_attempt_at = MIN(next_attempt_at, ?) WHERE status = 'sending'")
        .bind(1, to_ms(now))
        .run();
    return static_cast<std::size_t>(outbox_db_.changes());
  }

  std::optional<outbox_message> find_outbox(std::int64_t id) override {
    std::lock_guard lock(outbox_mutex_);
    auto s = outbox_db_.prepare("SELECT id, platform, method, target, payload, dedupe_key, status, attempts, next_attempt_at, "
                         "last_error FROM outbox WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_outbox(s);
  }

  readiness check_ready() override { return {true, ""}; }
  std::vector<std::string> recent_events(std::string_view, time_point) override { return {}; }
  std::size_t prune_outbox(time_point, time_point) override { return 0; }

  std::size_t outbox_depth() override {
    std::lock_guard lock(outbox_mutex_);
    auto s = outbox_db_.prepare("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')");
    s.step();
    return static_cast<std::size_t>(s.integer(0));
  }

 private:
  void insert_answer(const new_answer& a) {
    if (a.item >= scoring::statement_count || a.value < scoring::lowest_rating || a.value > scoring::highest_rating) {
      throw store_error("answer out of range");
    }
    db_.prepare("INSERT INTO answers (platform, workspace, pulse_id, pseudonym, week, item, value, answered_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (pulse_id, pseudonym, item) DO UPDATE SET value = excluded.value, "
                "answered_at = excluded.answered_at")
        .bind(1, domain::platform_id(a.workspace.on))
        .bind(2, a.workspace.id)
        .bind(3, a.pulse_id)
        .bind(4, a.pseudonym)
        .bind(5, a.week.to_string())
        .bind(6, static_cast<int>(a.item))
        .bind(7, static_cast<int>(a.value))
        .bind(8, to_ms(a.answered_at))
        .run();
  }

  // A message whose dedupe_key is already queued is left as it is.
  void insert_outbox(const outbox_message& m, time_point now) {
    db_.prepare("INSERT INTO outbox (platform, method, target, payload, dedupe_key, status, attempts, "
                "next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) "
                "ON CONFLICT (dedupe_key) DO NOTHING")
        .bind(1, domain::platform_id(m.on))
        .bind(2, m.method)
        .bind(3, m.target)
        .bind(4, m.payload)
        .bind(5, m.dedupe_key)
        .bind(6, to_ms(m.next_attempt_at))
        .bind(7, to_ms(now))
        .bind(8, to_ms(now))
        .run();
  }

  int current_version() {
    auto s = db_.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    s.step();
    return static_cast<int>(s.integer(0));
  }

  std::optional<member> find_member_locked(const domain::member_key& key) {
    auto s = db_.prepare("SELECT id, platform, workspace, chat_user, grp, locale, opted_out, joined_at FROM members "
                         "WHERE platform = ? AND workspace = ? AND chat_user = ?");
    s.bind(1, domain::platform_id(key.workspace.on)).bind(2, key.workspace.id).bind(3, key.user);
    if (!s.step()) return std::nullopt;
    return read_member(s);
  }

  void forget_dm_channel_locked(const domain::member_key& key) {
    db_.prepare("DELETE FROM dm_channels WHERE platform = ? AND workspace = ? AND chat_user = ?")
        .bind(1, domain::platform_id(key.workspace.on))
        .bind(2, key.workspace.id)
        .bind(3, key.user)
        .run();
  }

  std::optional<pulse> find_pulse_locked(const domain::workspace_ref& workspace, scoring::iso_week week) {
    auto s = db_.prepare("SELECT id, platform, workspace, week, opened_at, closes_at FROM pulses "
                         "WHERE platform = ? AND workspace = ? AND week = ?");
    s.bind(1, domain::platform_id(workspace.on)).bind(2, workspace.id).bind(3, week.to_string());
    if (!s.step()) return std::nullopt;
    return read_pulse(s);
  }

  std::optional<delivery> find_delivery_locked(std::int64_t pulse_id, std::int64_t member_id) {
    auto s = db_.prepare("SELECT id, pulse_id, member_id, items, delivered_at, channel, message_id FROM deliveries "
                         "WHERE pulse_id = ? AND member_id = ?");
    s.bind(1, pulse_id).bind(2, member_id);
    if (!s.step()) return std::nullopt;
    return read_delivery(s);
  }

  std::mutex mutex_;
  connection db_;  // durable commits: answers, members, pulses, outbox rows as they are queued
  // Outbox bookkeeping (claims, sent, retries) on its own connection without fsync: it no longer
  // waits behind answer commits, and a machine crash can at worst make a message go out again,
  // which at-least-once delivery allows.
  std::mutex outbox_mutex_;
  connection outbox_db_;
};

}  // namespace

std::unique_ptr<store> open_sqlite_store(const std::string& path, const sqlite_options&) { return std::make_unique<sqlite_store>(path); }

std::unique_ptr<store> open_store(std::string_view url) {
  constexpr std::string_view sqlite_prefix = "sqlite:";
  if (url.starts_with(sqlite_prefix) && url.size() > sqlite_prefix.size()) {
    return open_sqlite_store(std::string(url.substr(sqlite_prefix.size())));
  }
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    throw store_error("the PostgreSQL backend is not built into this version yet; use sqlite:PATH");
  }
  throw store_error("database must be sqlite:PATH or a postgres:// URL");
}

}  // namespace smrel::storage
