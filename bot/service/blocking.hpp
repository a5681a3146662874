#pragma once
// Runs blocking work (storage, scoring) on a thread pool and resumes the calling coroutine on its
// own executor afterwards, so network threads never wait on disk.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <type_traits>

namespace smrel::service {

template <class F>
boost::asio::awaitable<std::invoke_result_t<F>> run_blocking(boost::asio::thread_pool& pool, F work) {
  using result = std::invoke_result_t<F>;
  // co_spawn on the pool runs `work` there; awaiting it with use_awaitable resumes us on our own
  // executor. Exceptions travel back to the caller.
  co_return co_await boost::asio::co_spawn(
      pool.get_executor(), [work = std::move(work)]() mutable -> boost::asio::awaitable<result> { co_return work(); },
      boost::asio::use_awaitable);
}

}  // namespace smrel::service
