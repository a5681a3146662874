#pragma once
// Runs blocking work (storage, scoring) on a thread pool and resumes the calling coroutine on its
// own executor afterwards, so network threads never wait on disk.
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace smrel::service {

namespace detail {

// One hop to the pool and one back: the work is posted as it is, rather than through a coroutine
// spawned on the pool, whose start is a second post (and, on a busy machine, a second thread woken
// for every call).
template <class F, class Handler>
void post_blocking(boost::asio::thread_pool& pool, F work, Handler handler) {
  using result = std::invoke_result_t<F>;
  // Held until the answer is delivered: the caller's executor must not run out of work meanwhile.
  auto home = boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                  boost::asio::execution::outstanding_work.tracked);
  boost::asio::post(pool, [work = std::move(work), handler = std::move(handler), home = std::move(home)]() mutable {
    std::exception_ptr error;
    if constexpr (std::is_void_v<result>) {
      try {
        work();
      } catch (...) {
        error = std::current_exception();
      }
      boost::asio::dispatch(home, [handler = std::move(handler), error]() mutable { handler(error); });
    } else {
      std::optional<result> value;
      try {
        value.emplace(work());
      } catch (...) {
        error = std::current_exception();
      }
      boost::asio::dispatch(home, [handler = std::move(handler), error, value = std::move(value)]() mutable {
        handler(error, std::move(value));
      });
    }
  });
}

}  // namespace detail

template <class F>
boost::asio::awaitable<std::invoke_result_t<F>> run_blocking(boost::asio::thread_pool& pool, F work) {
  using result = std::invoke_result_t<F>;
  const auto initiate = [&pool](auto handler, F w) { detail::post_blocking(pool, std::move(w), std::move(handler)); };
  // Exceptions travel back to the caller: use_awaitable rethrows the exception_ptr.
  if constexpr (std::is_void_v<result>) {
    co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(std::exception_ptr)>(
        initiate, boost::asio::use_awaitable, std::move(work));
  } else {
    auto value = co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                                      void(std::exception_ptr, std::optional<result>)>(
        initiate, boost::asio::use_awaitable, std::move(work));
    co_return std::move(*value);
  }
}

}  // namespace smrel::service
