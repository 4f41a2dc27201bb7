// ThreadLoan: one object per thread, lent to one borrower at a time. Internal to the library
// (typed calls and handlers use it from headers).
#pragma once

#include <utility>

/// \cond INTERNAL
namespace tp::detail {

// Replaces `value` with a fresh T and frees what it held, which `value = T()` does not always
// do: a std::string move-assigned from an empty one keeps its buffer (libstdc++ copies a short
// string into the buffer it has).
template <class T>
void renew(T& value) {
  T fresh{};
  using std::swap;
  swap(value, fresh);
}

// One object of type T per thread (and Tag: users that must not share one pick their own), lent
// to one borrower at a time. The thousands of sessions or calls an I/O thread serves share it, so
// it stays in cache and holds its memory once, instead of each keeping and touching its own. A
// borrower that finds it lent already (a nested use on the same thread) gets null and must use
// an object of its own.
template <class T, class Tag = T>
class ThreadLoan {
 public:
  ThreadLoan() : slot_(thread_slot()), mine_(!slot_.lent) { slot_.lent = true; }
  ~ThreadLoan() {
    if (!mine_) return;
    if (renew_) renew(slot_.value);
    slot_.lent = false;
  }
  ThreadLoan(const ThreadLoan&) = delete;
  ThreadLoan& operator=(const ThreadLoan&) = delete;

  // The thread's object while this loan holds it; null if another borrower had it first.
  [[nodiscard]] T* get() const { return mine_ ? &slot_.value : nullptr; }
  // The thread gets a fresh object when the loan ends: one big message must not keep its
  // memory for the thread's life.
  void renew_on_return() { renew_ = true; }

 private:
  struct Slot {
    T value{};
    bool lent = false;
  };
  static Slot& thread_slot() {
    thread_local Slot slot;
    return slot;
  }

  Slot& slot_;
  bool mine_;
  bool renew_ = false;
};

}  // namespace tp::detail
/// \endcond
