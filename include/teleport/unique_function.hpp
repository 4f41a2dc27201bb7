// UniqueFunction: a move-only callable wrapper that keeps small callables inline. Reply callbacks
// are made once per call and often hold move-only state; std::function needs a copyable callable
// and (in libstdc++) puts every callable that is not trivially copyable on the heap, and C++23's
// std::move_only_function is not in C++20.
#pragma once

#include <cstddef>
#include <cstring>
#include <functional>
#include <new>
#include <type_traits>
#include <utility>

namespace tp {

template <class Signature>
class UniqueFunction;

/// A move-only `R(Args...)` callable. A callable of up to kInlineSize bytes that moves without
/// throwing lives inside the object (no allocation); a bigger one goes to the heap.
template <class R, class... Args>
class UniqueFunction<R(Args...)> {
 public:
  /// The largest callable kept inline.
  static constexpr std::size_t kInlineSize = 64;

  /// An empty function.
  UniqueFunction() noexcept = default;
  /// An empty function.
  UniqueFunction(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor)
  /// Wraps `f`; a null function pointer or an empty std::function makes an empty function.
  template <class F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, UniqueFunction> &&
           std::is_invocable_r_v<R, std::decay_t<F>&, Args...>)
      UniqueFunction(F&& f) {  // NOLINT(google-explicit-constructor)
    using D = std::decay_t<F>;
    if constexpr (std::is_pointer_v<D> || std::is_member_pointer_v<D> ||
                  std::is_same_v<D, std::function<R(Args...)>>) {
      if (!f) return;
    }
    if constexpr (kFitsInline<D>) {
      ::new (static_cast<void*>(storage_)) D(std::forward<F>(f));
      ops_ = &kInlineOps<D>;
    } else {
      ::new (static_cast<void*>(storage_)) D*(new D(std::forward<F>(f)));
      ops_ = &kHeapOps<D>;
    }
  }
  /// Takes `other`'s callable; `other` is left empty.
  UniqueFunction(UniqueFunction&& other) noexcept { take(other); }
  /// Drops the callable held and takes `other`'s; `other` is left empty.
  UniqueFunction& operator=(UniqueFunction&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  /// Drops the callable held.
  UniqueFunction& operator=(std::nullptr_t) noexcept {
    reset();
    return *this;
  }
  UniqueFunction(const UniqueFunction&) = delete;
  UniqueFunction& operator=(const UniqueFunction&) = delete;
  ~UniqueFunction() { reset(); }

  /// True when a callable is held.
  explicit operator bool() const noexcept { return ops_ != nullptr; }
  /// Calls the callable held; throws std::bad_function_call when empty, as std::function does.
  R operator()(Args... args) {
    if (!ops_) throw std::bad_function_call();
    return ops_->invoke(storage_, std::forward<Args>(args)...);
  }

 private:
  // What the held type can do, one table per type. A null relocate means the bytes may simply be
  // copied (an inline, trivially copyable callable): a reply callback moves several times per
  // call, and a copy of its bytes costs no indirect call.
  struct Ops {
    R (*invoke)(void* storage, Args&&... args);
    void (*relocate)(void* from, void* to) noexcept;  // moves into `to`, destroys `from`
    void (*destroy)(void* storage) noexcept;
  };

  template <class D>
  static constexpr bool kFitsInline =
      sizeof(D) <= kInlineSize &&
      alignof(D) <= alignof(std::max_align_t) && std::is_nothrow_move_constructible_v<D>;

  template <class D>
  static constexpr Ops kInlineOps{
      [](void* s, Args&&... args) -> R {
        return std::invoke(*static_cast<D*>(s), std::forward<Args>(args)...);
      },
      std::is_trivially_copyable_v<D> ? nullptr
                                      : +[](void* from, void* to) noexcept {
                                          ::new (to) D(std::move(*static_cast<D*>(from)));
                                          static_cast<D*>(from)->~D();
                                        },
      [](void* s) noexcept { static_cast<D*>(s)->~D(); },
  };

  template <class D>
  static constexpr Ops kHeapOps{
      [](void* s, Args&&... args) -> R {
        return std::invoke(**static_cast<D**>(s), std::forward<Args>(args)...);
      },
      [](void* from, void* to) noexcept { ::new (to) D*(*static_cast<D**>(from)); },
      [](void* s) noexcept { delete *static_cast<D**>(s); },
  };

  void take(UniqueFunction& other) noexcept {
    if (!other.ops_) return;
    if (other.ops_->relocate) {
      other.ops_->relocate(other.storage_, storage_);
    } else {
      std::memcpy(storage_, other.storage_, kInlineSize);
    }
    ops_ = std::exchange(other.ops_, nullptr);
  }
  void reset() noexcept {
    if (ops_) std::exchange(ops_, nullptr)->destroy(storage_);
  }

  alignas(std::max_align_t) unsigned char storage_[kInlineSize];
  const Ops* ops_ = nullptr;
};

}  // namespace tp
