#pragma once
// FunctionRef: a non-owning reference to a callable, for passing a lambda down one call
// (a use case's work to its unit of work, Transaction::ReadLock's reader) without
// std::function's heap allocation: lambdas capturing several references do not fit its
// small buffer. The referenced callable must outlive the call it is passed to.

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

namespace libsync {

template <class Signature>
class FunctionRef;

template <class R, class... Args>
class FunctionRef<R(Args...)> {
 public:
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, FunctionRef> && std::is_invocable_r_v<R, F&, Args...>)
  FunctionRef(F&& f) noexcept  // NOLINT(google-explicit-constructor): passed like a lambda
      : callable_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* callable, Args... args) -> R {
          return std::invoke(*static_cast<std::remove_reference_t<F>*>(callable), std::forward<Args>(args)...);
        }) {}

  R operator()(Args... args) const { return call_(callable_, std::forward<Args>(args)...); }

 private:
  void* callable_;
  R (*call_)(void*, Args...);
};

}  // namespace libsync
