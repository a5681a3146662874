#pragma once
// A chat platform as the core sees it: its HTTP routes in, and what the outbox asks of it out.
// The dispatcher, the outbox worker and the scheduler are written once against this interface;
// each platform is one plug (bot/service/slack/, …) over its pure adapter (adapters/<platform>/).
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/domain/delivery_outcome.hpp"
#include "bot/domain/ids.hpp"
#include "bot/domain/message.hpp"
#include "bot/domain/person_facts.hpp"
#include "bot/domain/phrasing.hpp"
#include "bot/net/http_message.hpp"
#include "bot/service/rate_limiter.hpp"
#include "bot/storage/store.hpp"

namespace smrel::service {

/// What the outbox asks a platform to do with one message.
enum class send_action : std::uint8_t {
  reply,         // answer an interaction without touching its message (address: the reply address)
  replace,       // replace the message that was interacted with (address: the reply address)
  post,          // post into a conversation (address: a conversation_ref's address)
  publish_home,  // show a person their Home view (address: the person's user id)
  open_direct,   // open a direct conversation with a person (address: the person's user id)
  update,        // show a message the bot posted earlier anew (address: update_address's)
};

/// The rate-limit buckets one send takes a turn in, and those a rate-limit answer pauses as a
/// whole (a platform limit per method pauses every message of the method; a limit on one reply
/// address holds up only that message).
struct send_buckets {
  std::vector<std::string> take;
  std::vector<std::string> pause_when_limited;
};

/// One HTTP route of a platform.
struct route {
  std::string path;
  std::string method;
  std::function<boost::asio::awaitable<net::http_response>(net::http_request&)> handle;
  /// On the head, before the body is read: a status refuses the request without reading it.
  std::function<std::optional<int>(const net::http_request&)> screen;
};

/// What a platform said when asked about one person: `facts` when it answered; otherwise
/// `outcome` says why not (retry later, rate limited, the person is gone, the credentials…).
struct person_look_up {
  domain::delivery_outcome outcome;
  std::optional<domain::person_facts> facts;
};

class channel_plug {
 public:
  virtual ~channel_plug() = default;

  virtual domain::platform platform() const = 0;
  /// Why nothing can be sent now (say, no credentials configured); nullopt when it can.
  virtual std::optional<std::string> cannot_send() const = 0;
  virtual const domain::command_phrasing& phrasing() const = 0;

  // Inbound.
  virtual std::vector<route> routes() = 0;
  /// Blocking start-up work (say, reloading the keys of recent interactions).
  virtual void at_start() {}
  /// Blocking housekeeping every few minutes; returns how many stored rows it removed.
  virtual std::size_t prune() { return 0; }

  // Outbound, called by the outbox worker on its strand.
  /// Bucket rules, each for keys starting with its prefix; prefixes begin with the platform's id.
  virtual void set_rate_rules(rate_limiter& limiter) const = 0;
  virtual send_buckets buckets(send_action action, std::string_view address) const = 0;
  virtual boost::asio::awaitable<domain::delivery_outcome> send(send_action action, std::string address,
                                                                domain::message message) = 0;
  /// Opens (or finds) the direct conversation with `who`; when sent, `landed.conversation` is it.
  virtual boost::asio::awaitable<domain::delivery_outcome> open_direct(domain::member_key who) = 0;
  /// A remembered direct conversation turned out gone (the person blocked the bot, or left): what
  /// to remember instead, when the platform can reach the person another way later; nothing
  /// forgets it.
  virtual std::optional<std::string> reach_after_gone(std::string_view /*direct*/) const { return std::nullopt; }
  /// The address that `update` takes for a message the bot posted (say, last week's pulse DM, to
  /// show it closed); nullopt where the platform cannot update it.
  virtual std::optional<std::string> update_address(const domain::message_ref& /*sent*/) const { return std::nullopt; }

  // People (see people_check.hpp).
  /// The pace of look-ups about people, shared by every replica; nullopt where the platform is
  /// not asked about people (it tells nothing, or nothing can be sent).
  virtual std::optional<storage::send_pace> look_up_pace() const { return std::nullopt; }
  virtual boost::asio::awaitable<person_look_up> look_up(domain::member_key /*who*/) {
    person_look_up none;
    none.outcome.verdict = domain::delivery_verdict::permanent;
    none.outcome.reason = "this platform is not asked about people";
    co_return none;
  }

  // Rows stored before outbox rows were neutral (kind `verbatim`): only a platform that existed
  // then has any, and only its plug knows their forms. A newer platform keeps these defaults.
  /// The neutral row a verbatim row stands for, when there is one (the same id and claim).
  virtual std::optional<storage::outbox_message> modernise(const storage::outbox_message&) const { return std::nullopt; }
  virtual send_buckets verbatim_buckets(const storage::outbox_message&) const { return {}; }
  virtual boost::asio::awaitable<domain::delivery_outcome> send_verbatim(storage::outbox_message) {
    domain::delivery_outcome unknown;
    unknown.verdict = domain::delivery_verdict::permanent;
    unknown.reason = "not a row this platform ever stored";
    co_return unknown;
  }
};

}  // namespace smrel::service
