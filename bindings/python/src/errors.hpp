#pragma once
// libsync's Status as Python exceptions: libsync.Error, with one subclass per ErrorCode
// (libsync.NotFound, libsync.LockHeld, ...), each carrying .code, .http_status and .details.

#include <pybind11/pybind11.h>

#include <exception>
#include <utility>

#include "libsync/result.hpp"

namespace libsync::python {

/// Thrown by Unwrap with the GIL possibly released; the translator turns it into the
/// Python exception once the GIL is held again.
struct StatusError : std::exception {
  explicit StatusError(Status s) : status(std::move(s)) {}
  const char* what() const noexcept override { return status.message().c_str(); }
  Status status;
};

inline void ThrowIfError(const Status& status) {
  if (!status.ok()) throw StatusError(status);
}

template <class T>
T Unwrap(Result<T> result) {
  if (!result) throw StatusError(result.error());
  return std::move(result).value();
}

/// Creates the exception classes in `module` and registers the translator.
void RegisterErrors(pybind11::module_& module);

}  // namespace libsync::python
