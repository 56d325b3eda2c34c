#pragma once
// Result<T>: a T or a failed Status, spelled like std::expected (has_value(), value(),
// error()) so that moving to C++23 is a change to one alias.

#include <cassert>
#include <utility>
#include <variant>

#include "libsync/status.hpp"

namespace libsync {

template <class T>
class [[nodiscard]] Result {
 public:
  // Implicit by design. Two overloads rather than one by value: a returned row (a lock
  // grant is six strings) is then moved once into the Result, not twice.
  Result(T&& value) : state_(std::in_place_index<0>, std::move(value)) {}   // NOLINT
  Result(const T& value) : state_(std::in_place_index<0>, value) {}         // NOLINT
  Result(Status error) : state_(std::in_place_index<1>, std::move(error)) {  // NOLINT
    assert(!std::get<1>(state_).ok() && "a Result holds a value or a failure, never Ok");
  }

  bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  /// By value (unlike std::expected) so `for (auto& x : F().value())` cannot dangle.
  T value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  /// The failure; only valid when !has_value().
  const Status& error() const& { return std::get<1>(state_); }
  Status&& error() && { return std::get<1>(std::move(state_)); }

  /// Ok when a value is held, else the failure.
  Status status() const { return has_value() ? Status() : error(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace libsync

/// `LIBSYNC_ASSIGN_OR_RETURN(auto doc, tx.GetDoc(...));` declares `doc` from the Result's
/// value, or returns its failure from the enclosing function.
#define LIBSYNC_ASSIGN_OR_RETURN(decl, expr) \
  LIBSYNC_ASSIGN_OR_RETURN_IMPL_(LIBSYNC_CONCAT_(libsync_result_, __COUNTER__), decl, expr)
#define LIBSYNC_ASSIGN_OR_RETURN_IMPL_(tmp, decl, expr) \
  auto tmp = (expr);                                    \
  if (!tmp.has_value()) return std::move(tmp).error();  \
  decl = std::move(tmp).value()
