// Synchronization for coroutines on one event loop: a FIFO mutex, a FIFO reader-writer lock, a counting
// semaphore, a notifier with timeouts and a task counter. Waiting never blocks the thread: the coroutine
// is suspended and resumed through its executor (never inline from the releasing call).
//
// Thread-safety: loop-confined. Every object is used by coroutines of one single-threaded io_context
// only. Destroying an object with waiters destroys their suspended coroutines (shutdown only).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <list>
#include <utility>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace weft::chunk {

namespace asio = boost::asio;

// A suspended operation's completion handler with the executor it resumes on. Resume posts the
// completion (never runs it inline).
template <typename Signature>
class Resumer {
 public:
  Resumer() = default;
  template <typename Handler>
  explicit Resumer(Handler&& h) : ex_(asio::get_associated_executor(h)), handler_(std::forward<Handler>(h)) {}

  explicit operator bool() const { return static_cast<bool>(handler_); }

  template <typename... Args>
  void Resume(Args&&... args) && {
    asio::post(ex_, [h = std::move(handler_), ... a = std::forward<Args>(args)]() mutable {
      std::move(h)(std::move(a)...);
    });
  }

 private:
  asio::any_io_executor ex_;
  asio::any_completion_handler<Signature> handler_;
};

// Note on style (GCC 12 coroutine bugs): functions that wrap async_initiate are plain functions returning
// the awaitable, never coroutines that co_await it (GCC 12 destroys lambda captures twice when a lambda
// with captures appears in a co_await expression); and co_await never appears inside ?: (temporaries
// are destroyed wrongly).

// Suspended coroutines in FIFO order.
class WaitQueue {
 public:
  using Handler = Resumer<void()>;

  asio::awaitable<void> Wait() {
    return asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
        [this](auto handler) { q_.emplace_back(std::move(handler)); }, asio::use_awaitable);
  }
  bool empty() const { return q_.empty(); }
  size_t size() const { return q_.size(); }
  // REQUIRES: !empty().
  void WakeOne() {
    Handler h = std::move(q_.front());
    q_.pop_front();
    std::move(h).Resume();
  }
  void WakeAll() {
    while (!q_.empty()) WakeOne();
  }

 private:
  std::deque<Handler> q_;
};

class AsyncMutex {
 public:
  class [[nodiscard]] Guard {
   public:
    Guard() = default;
    explicit Guard(AsyncMutex* m) : m_(m) {}
    Guard(Guard&& o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
    Guard& operator=(Guard&& o) noexcept {
      Release();
      m_ = std::exchange(o.m_, nullptr);
      return *this;
    }
    ~Guard() { Release(); }
    void Release() {
      if (m_) std::exchange(m_, nullptr)->Unlock();
    }

   private:
    AsyncMutex* m_ = nullptr;
  };

  asio::awaitable<void> Lock() {
    if (!locked_) {
      locked_ = true;
      co_return;
    }
    co_await waiters_.Wait();  // ownership is handed over by Unlock
  }
  asio::awaitable<Guard> Scoped() {
    co_await Lock();
    co_return Guard(this);
  }
  void Unlock() {
    if (waiters_.empty()) {
      locked_ = false;
    } else {
      waiters_.WakeOne();
    }
  }
  bool idle() const { return !locked_ && waiters_.empty(); }

 private:
  bool locked_ = false;
  WaitQueue waiters_;
};

// FIFO: a waiting writer holds back later readers.
class AsyncRwLock {
 public:
  class [[nodiscard]] Guard {
   public:
    Guard() = default;
    Guard(AsyncRwLock* l, bool exclusive) : l_(l), exclusive_(exclusive) {}
    Guard(Guard&& o) noexcept : l_(std::exchange(o.l_, nullptr)), exclusive_(o.exclusive_) {}
    Guard& operator=(Guard&& o) noexcept {
      Release();
      l_ = std::exchange(o.l_, nullptr);
      exclusive_ = o.exclusive_;
      return *this;
    }
    ~Guard() { Release(); }
    void Release() {
      if (!l_) return;
      auto* l = std::exchange(l_, nullptr);
      if (exclusive_) {
        l->Unlock();
      } else {
        l->UnlockShared();
      }
    }

   private:
    AsyncRwLock* l_ = nullptr;
    bool exclusive_ = false;
  };

  asio::awaitable<Guard> Shared() {
    if (!writer_ && q_.empty()) {
      ++readers_;
    } else {
      co_await Enqueue(false);
    }
    co_return Guard(this, false);
  }
  asio::awaitable<Guard> Exclusive() {
    if (!writer_ && readers_ == 0 && q_.empty()) {
      writer_ = true;
    } else {
      co_await Enqueue(true);
    }
    co_return Guard(this, true);
  }
  bool idle() const { return !writer_ && readers_ == 0 && q_.empty(); }

 private:
  struct Waiter {
    bool exclusive;
    Resumer<void()> handler;
  };
  asio::awaitable<void> Enqueue(bool exclusive) {
    return asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
        [this, exclusive](auto handler) { q_.push_back(Waiter{exclusive, Resumer<void()>(std::move(handler))}); },
        asio::use_awaitable);
  }
  void UnlockShared() {
    --readers_;
    Grant();
  }
  void Unlock() {
    writer_ = false;
    Grant();
  }
  void Grant() {
    while (!q_.empty()) {
      Waiter& w = q_.front();
      if (w.exclusive) {
        if (writer_ || readers_ > 0) return;
        writer_ = true;
      } else {
        if (writer_) return;
        ++readers_;
      }
      auto h = std::move(w.handler);
      q_.pop_front();
      std::move(h).Resume();
      if (writer_) return;
    }
  }

  int readers_ = 0;
  bool writer_ = false;
  std::deque<Waiter> q_;
};

// A counting semaphore with FIFO admission (a large request is not starved by small ones).
class AsyncSemaphore {
 public:
  explicit AsyncSemaphore(uint64_t capacity) : capacity_(capacity), available_(capacity) {}

  // REQUIRES: n <= capacity().
  asio::awaitable<void> Acquire(uint64_t n) {
    if (q_.empty() && available_ >= n) {
      available_ -= n;
      co_return;
    }
    co_await Enqueue(n);
  }
  void Release(uint64_t n) {
    available_ += n;
    while (!q_.empty() && q_.front().n <= available_) {
      available_ -= q_.front().n;
      auto h = std::move(q_.front().handler);
      q_.pop_front();
      std::move(h).Resume();
    }
  }
  uint64_t capacity() const { return capacity_; }
  uint64_t available() const { return available_; }

 private:
  struct Waiter {
    uint64_t n;
    Resumer<void()> handler;
  };
  asio::awaitable<void> Enqueue(uint64_t n) {
    return asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
        [this, n](auto handler) { q_.push_back(Waiter{n, Resumer<void()>(std::move(handler))}); }, asio::use_awaitable);
  }
  uint64_t capacity_;
  uint64_t available_;
  std::deque<Waiter> q_;
};

// Wakes every waiter on Notify; waits have timeouts.
class AsyncNotifier {
 public:
  // Returns true when notified, false on timeout.
  asio::awaitable<bool> WaitFor(std::chrono::milliseconds timeout) {
    Slot slot{asio::steady_timer(co_await asio::this_coro::executor, timeout), false};
    auto it = slots_.insert(slots_.end(), &slot);
    co_await slot.timer.async_wait(asio::as_tuple(asio::use_awaitable));
    slots_.erase(it);
    co_return slot.notified;
  }
  void NotifyAll() {
    for (Slot* s : slots_) {
      s->notified = true;
      s->timer.cancel();
    }
  }

 private:
  struct Slot {
    asio::steady_timer timer;
    bool notified;
  };
  std::list<Slot*> slots_;
};

// Counts running tasks so shutdown can wait for them.
class TaskCounter {
 public:
  class [[nodiscard]] Token {
   public:
    explicit Token(TaskCounter* c) : c_(c) { ++c_->running_; }
    Token(Token&& o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
    Token(const Token&) = delete;
    ~Token() {
      if (c_ && --c_->running_ == 0) c_->idle_.NotifyAll();
    }

   private:
    TaskCounter* c_;
  };
  Token Start() { return Token(this); }
  int running() const { return running_; }
  // True when no task runs (now or before the timeout).
  asio::awaitable<bool> WaitIdle(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running_ > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) co_return false;
      co_await idle_.WaitFor(left);
    }
    co_return true;
  }

 private:
  int running_ = 0;
  AsyncNotifier idle_;
};

}  // namespace weft::chunk
