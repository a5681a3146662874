#include "bot/storage/sqlite/schema.hpp"

#include <array>

namespace smrel::storage::sqlite {
namespace {

// Times are Unix milliseconds; weeks are ISO week strings ("2026-W48"), which sort correctly.
constexpr std::array<std::string_view, 13> all_migrations{
    // 1: members, respondents, pulses, deliveries, answers, nudges, outbox.
    R"sql(
CREATE TABLE members (
  id          INTEGER PRIMARY KEY,
  platform    TEXT NOT NULL CHECK (platform IN ('slack', 'teams')),
  workspace   TEXT NOT NULL,
  chat_user   TEXT NOT NULL,
  grp         TEXT NOT NULL DEFAULT 'other' CHECK (grp IN ('sales', 'marketing', 'leadership', 'other')),
  locale      TEXT NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'nl')),
  opted_out   INTEGER NOT NULL DEFAULT 0,
  joined_at   INTEGER NOT NULL,
  UNIQUE (platform, workspace, chat_user)
);
-- Pseudonym → group. Kept apart from members so the database alone cannot link answers to people.
CREATE TABLE respondents (
  pseudonym   TEXT PRIMARY KEY,
  platform    TEXT NOT NULL,
  workspace   TEXT NOT NULL,
  grp         TEXT NOT NULL CHECK (grp IN ('sales', 'marketing', 'leadership', 'other'))
) WITHOUT ROWID;
CREATE TABLE pulses (
  id          INTEGER PRIMARY KEY,
  platform    TEXT NOT NULL,
  workspace   TEXT NOT NULL,
  week        TEXT NOT NULL,
  opened_at   INTEGER NOT NULL,
  closes_at   INTEGER NOT NULL,
  UNIQUE (platform, workspace, week)
);
CREATE TABLE deliveries (
  id           INTEGER PRIMARY KEY,
  pulse_id     INTEGER NOT NULL REFERENCES pulses (id) ON DELETE CASCADE,
  member_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  items        TEXT NOT NULL,
  delivered_at INTEGER NOT NULL,
  channel      TEXT NOT NULL DEFAULT '',
  message_id   TEXT NOT NULL DEFAULT '',
  UNIQUE (pulse_id, member_id)
);
CREATE TABLE answers (
  id          INTEGER PRIMARY KEY,
  platform    TEXT NOT NULL,
  workspace   TEXT NOT NULL,
  pulse_id    INTEGER NOT NULL REFERENCES pulses (id) ON DELETE CASCADE,
  pseudonym   TEXT NOT NULL,
  week        TEXT NOT NULL,
  item        INTEGER NOT NULL CHECK (item BETWEEN 0 AND 19),
  value       INTEGER NOT NULL CHECK (value BETWEEN 1 AND 5),
  answered_at INTEGER NOT NULL,
  UNIQUE (pulse_id, pseudonym, item)
);
CREATE INDEX answers_by_week ON answers (platform, workspace, week);
CREATE INDEX answers_by_pseudonym ON answers (pseudonym);
CREATE TABLE nudges (
  id             INTEGER PRIMARY KEY,
  platform       TEXT NOT NULL,
  workspace      TEXT NOT NULL,
  nudge_id       TEXT NOT NULL,
  week           TEXT NOT NULL,
  why            TEXT NOT NULL,
  issued_at      INTEGER NOT NULL,
  follow_up_week TEXT
);
CREATE INDEX nudges_by_week ON nudges (platform, workspace, week);
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY,
  platform        TEXT NOT NULL,
  method          TEXT NOT NULL,
  target          TEXT NOT NULL,
  payload         TEXT NOT NULL,
  dedupe_key      TEXT NOT NULL UNIQUE,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
)sql",
    // 2: inbound event ids, for deduplicating platform retries.
    R"sql(
CREATE TABLE processed_events (
  event_id    TEXT PRIMARY KEY,
  received_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX processed_events_by_time ON processed_events (received_at);
)sql",
    // 3: answers by pseudonym are found through UNIQUE (pulse_id, pseudonym, item) within a pulse;
    // only `forget` looks across pulses, and it is rare. One index less on the hottest insert.
    R"sql(
DROP INDEX answers_by_pseudonym;
)sql",
    // 4: DM channels from conversations.open (opened once per person), scheduled runs done (so a
    // restart does not repeat a week's pulse or digest), and each nudge issued once a week.
    R"sql(
CREATE TABLE dm_channels (
  platform    TEXT NOT NULL,
  workspace   TEXT NOT NULL,
  chat_user   TEXT NOT NULL,
  channel     TEXT NOT NULL,
  PRIMARY KEY (platform, workspace, chat_user)
) WITHOUT ROWID;
CREATE TABLE scheduled_runs (
  platform    TEXT NOT NULL,
  workspace   TEXT NOT NULL,
  kind        TEXT NOT NULL,
  week        TEXT NOT NULL,
  done_at     INTEGER NOT NULL,
  PRIMARY KEY (platform, workspace, kind, week)
) WITHOUT ROWID;
DELETE FROM nudges WHERE id NOT IN (SELECT MIN(id) FROM nudges GROUP BY platform, workspace, week, nudge_id);
DROP INDEX nudges_by_week;
CREATE UNIQUE INDEX nudges_once_a_week ON nudges (platform, workspace, week, nudge_id);
)sql",
    // 5: answers to nudges' follow-up statements, asked in a later pulse.
    R"sql(
CREATE TABLE follow_up_answers (
  nudge       INTEGER NOT NULL REFERENCES nudges (id) ON DELETE CASCADE,
  pseudonym   TEXT NOT NULL,
  value       INTEGER NOT NULL CHECK (value BETWEEN 1 AND 5),
  answered_at INTEGER NOT NULL,
  PRIMARY KEY (nudge, pseudonym)
) WITHOUT ROWID;
CREATE INDEX follow_up_answers_by_pseudonym ON follow_up_answers (pseudonym);
)sql",
    // 6: the outbox stops growing without bound. dedupe_key becomes optional (NULL: no
    // deduplication, and the row may be pruned once finished); coalesce_key lets one pending row
    // stand for many identical late-rendered updates. Keys of earlier versions that were random
    // per row ("pulse:<time>:<seq>", "response:<hex>") could never match again, so they are
    // dropped and their rows become prunable. health_probe takes readiness checks' real writes.
    R"sql(
CREATE TABLE outbox_v6 (
  id              INTEGER PRIMARY KEY,
  platform        TEXT NOT NULL,
  method          TEXT NOT NULL,
  target          TEXT NOT NULL,
  payload         TEXT NOT NULL,
  dedupe_key      TEXT UNIQUE,
  coalesce_key    TEXT,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  last_error      TEXT NOT NULL DEFAULT ''
);
INSERT INTO outbox_v6 (id, platform, method, target, payload, dedupe_key, status, attempts, next_attempt_at,
                       created_at, updated_at, last_error)
SELECT id, platform, method, target, payload,
       CASE WHEN dedupe_key LIKE 'pulse:%' OR dedupe_key LIKE 'response:%' OR dedupe_key = '' THEN NULL
            ELSE dedupe_key END,
       status, attempts, next_attempt_at, created_at, updated_at, last_error
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v6 RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_pending_by_coalesce_key ON outbox (coalesce_key) WHERE status = 'pending';
CREATE INDEX outbox_prunable ON outbox (status, updated_at) WHERE dedupe_key IS NULL;
CREATE TABLE health_probe (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  probes INTEGER NOT NULL
);
)sql",
    // 7: weekly releases, frozen when the week's pulse closes (statistical disclosure control):
    // the figures as published, and keyed tokens of who was behind them so a later release can
    // tell how many people changed. `forget` erases answers, never a release.
    R"sql(
CREATE TABLE releases (
  platform    TEXT NOT NULL,
  workspace   TEXT NOT NULL,
  week        TEXT NOT NULL,
  released_at INTEGER NOT NULL,
  figures     TEXT NOT NULL,
  people      TEXT,
  PRIMARY KEY (platform, workspace, week)
) WITHOUT ROWID;
)sql",
    // 8: instrument version 2. More statements (the item bound leaves room for q01…q99), a sixth
    // answer "don't know" stored as 6 (also to a nudge's follow-up statement), and the instrument
    // version whose wording each delivery was sent in and each answer answered. Every earlier row
    // was asked in version 1.
    R"sql(
CREATE TABLE answers_v8 (
  id          INTEGER PRIMARY KEY,
  platform    TEXT NOT NULL,
  workspace   TEXT NOT NULL,
  pulse_id    INTEGER NOT NULL REFERENCES pulses (id) ON DELETE CASCADE,
  pseudonym   TEXT NOT NULL,
  week        TEXT NOT NULL,
  item        INTEGER NOT NULL CHECK (item BETWEEN 0 AND 98),
  value       INTEGER NOT NULL CHECK (value BETWEEN 1 AND 6),  -- 1…5, or 6 = don't know
  answered_at INTEGER NOT NULL,
  instrument  INTEGER NOT NULL CHECK (instrument >= 1),
  UNIQUE (pulse_id, pseudonym, item)
);
INSERT INTO answers_v8 (id, platform, workspace, pulse_id, pseudonym, week, item, value, answered_at, instrument)
SELECT id, platform, workspace, pulse_id, pseudonym, week, item, value, answered_at, 1 FROM answers;
DROP TABLE answers;
ALTER TABLE answers_v8 RENAME TO answers;
CREATE INDEX answers_by_week ON answers (platform, workspace, week);
ALTER TABLE deliveries ADD COLUMN instrument INTEGER NOT NULL DEFAULT 1;
CREATE TABLE follow_up_answers_v8 (
  nudge       INTEGER NOT NULL REFERENCES nudges (id) ON DELETE CASCADE,
  pseudonym   TEXT NOT NULL,
  value       INTEGER NOT NULL CHECK (value BETWEEN 1 AND 6),  -- 1…5, or 6 = don't know
  answered_at INTEGER NOT NULL,
  PRIMARY KEY (nudge, pseudonym)
) WITHOUT ROWID;
INSERT INTO follow_up_answers_v8 SELECT nudge, pseudonym, value, answered_at FROM follow_up_answers;
DROP TABLE follow_up_answers;
ALTER TABLE follow_up_answers_v8 RENAME TO follow_up_answers;
CREATE INDEX follow_up_answers_by_pseudonym ON follow_up_answers (pseudonym);
)sql",
    // 9: an outbox row remembers the claim it is being sent under, so only that claim's sender
    // can record its outcome (a sender whose lease ran out cannot overwrite the next one's).
    R"sql(
ALTER TABLE outbox ADD COLUMN claim INTEGER NOT NULL DEFAULT 0;
)sql",
    // 10: one channel-neutral core. Outbox rows hold a kind, an address the platform's plug
    // encoded and content the service encoded; storage knows no platform method. Rows queued by
    // earlier versions are the platform's own requests: kind 'verbatim', the request body as
    // content and the old method and target as a JSON object in the address, which only the
    // plug decodes. dm_channels become direct conversations, deliveries name the conversation
    // and message. Installations hold per workspace settings. A scheduled run is claimed (owner,
    // lease_until) before it is done: done_at NULL is a claim. workspace_versions counts changes
    // to people, so a cache in another process can tell it is stale.
    R"sql(
CREATE TABLE outbox_v10 (
  id              INTEGER PRIMARY KEY,
  platform        TEXT NOT NULL,
  kind            TEXT NOT NULL
                  CHECK (kind IN ('reply', 'replace', 'post', 'pulse_dm', 'pulse_update', 'home', 'verbatim')),
  address         TEXT NOT NULL,
  content         TEXT NOT NULL,
  dedupe_key      TEXT UNIQUE,
  coalesce_key    TEXT,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  last_error      TEXT NOT NULL DEFAULT '',
  claim           INTEGER NOT NULL DEFAULT 0
);
INSERT INTO outbox_v10 (id, platform, kind, address, content, dedupe_key, coalesce_key, status, attempts,
                        next_attempt_at, created_at, updated_at, last_error, claim)
SELECT id, platform, 'verbatim', json_object('method', method, 'target', target), payload, dedupe_key, coalesce_key,
       status, attempts, next_attempt_at, created_at, updated_at, last_error, claim
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v10 RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_pending_by_coalesce_key ON outbox (coalesce_key) WHERE status = 'pending';
CREATE INDEX outbox_prunable ON outbox (status, updated_at) WHERE dedupe_key IS NULL;

CREATE TABLE direct_conversations (
  platform    TEXT NOT NULL,
  workspace   TEXT NOT NULL,
  chat_user   TEXT NOT NULL,
  address     TEXT NOT NULL,
  PRIMARY KEY (platform, workspace, chat_user)
) WITHOUT ROWID;
INSERT INTO direct_conversations (platform, workspace, chat_user, address)
SELECT platform, workspace, chat_user, channel FROM dm_channels;
DROP TABLE dm_channels;

ALTER TABLE deliveries RENAME COLUMN channel TO conversation;
ALTER TABLE deliveries RENAME COLUMN message_id TO message;

CREATE TABLE installations (
  platform      TEXT NOT NULL,
  workspace     TEXT NOT NULL,
  digest_target TEXT NOT NULL DEFAULT '',
  admins        TEXT NOT NULL DEFAULT '' CHECK (admins = '' OR json_valid(admins)),  -- a JSON array of user ids
  updated_at    INTEGER NOT NULL,
  PRIMARY KEY (platform, workspace)
) WITHOUT ROWID;

CREATE TABLE scheduled_runs_v10 (
  platform    TEXT NOT NULL,
  workspace   TEXT NOT NULL,
  kind        TEXT NOT NULL,
  week        TEXT NOT NULL,
  done_at     INTEGER,  -- NULL: claimed, not done yet
  owner       TEXT,
  lease_until INTEGER,
  PRIMARY KEY (platform, workspace, kind, week)
) WITHOUT ROWID;
INSERT INTO scheduled_runs_v10 (platform, workspace, kind, week, done_at)
SELECT platform, workspace, kind, week, done_at FROM scheduled_runs;
DROP TABLE scheduled_runs;
ALTER TABLE scheduled_runs_v10 RENAME TO scheduled_runs;

CREATE TABLE workspace_versions (
  platform    TEXT NOT NULL,
  workspace   TEXT NOT NULL,
  people      INTEGER NOT NULL,
  PRIMARY KEY (platform, workspace)
) WITHOUT ROWID;
)sql",
    // 11: send pacing kept with the data, so replicas sharing a database pace together (see
    // send_pace.hpp): per bucket key, its theoretical arrival time in microseconds.
    R"sql(
CREATE TABLE send_paces (
  bucket     TEXT PRIMARY KEY,
  arrival_us INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX send_paces_by_arrival ON send_paces (arrival_us);
)sql",
    // 12: people the platform cannot reach (deactivated, gone) are not counted as asked; a
    // workspace the app was removed from is kept pseudonymously for a while, then erased.
    R"sql(
ALTER TABLE members ADD COLUMN unreachable_since INTEGER;
ALTER TABLE deliveries ADD COLUMN unreachable INTEGER NOT NULL DEFAULT 0;
ALTER TABLE installations ADD COLUMN removed_at INTEGER;
)sql",
    // 13: what the platform says each person is (a guest, an external or a bot is neither asked
    // nor counted: their answers are erased), looked up at most once a day.
    R"sql(
ALTER TABLE members ADD COLUMN kind TEXT NOT NULL DEFAULT 'person'
  CHECK (kind IN ('person', 'guest', 'external', 'bot'));
ALTER TABLE members ADD COLUMN looked_up_at INTEGER;
)sql",
};

}  // namespace

std::span<const std::string_view> migrations() { return all_migrations; }

}  // namespace smrel::storage::sqlite
