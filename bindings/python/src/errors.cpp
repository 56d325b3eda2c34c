#include "errors.hpp"

#include <array>

namespace libsync::python {
namespace py = pybind11;

namespace {

constexpr std::array kCodes = {
    ErrorCode::kInvalidArgument, ErrorCode::kUnauthenticated, ErrorCode::kPermissionDenied,
    ErrorCode::kNotFound,        ErrorCode::kLockHeld,        ErrorCode::kGone,
    ErrorCode::kPreconditionFailed, ErrorCode::kTooLarge,     ErrorCode::kLocked,
    ErrorCode::kRateLimited,     ErrorCode::kInternal,        ErrorCode::kUnavailable,
    ErrorCode::kDeadlineExceeded,
};

// Owned by the module for the life of the interpreter (the module keeps references too).
PyObject* g_base = nullptr;
std::array<PyObject*, kCodes.size()> g_classes{};

PyObject* ClassFor(ErrorCode code) {
  for (std::size_t i = 0; i < kCodes.size(); ++i) {
    if (kCodes[i] == code) return g_classes[i];
  }
  return g_base;
}

}  // namespace

void RegisterErrors(py::module_& module) {
  g_base = PyErr_NewExceptionWithDoc(
      "libsync.Error",
      "A libsync failure. .code is the error's name ('NotFound', 'LockHeld', ...), "
      ".http_status the HTTP status it maps to, .details a dict (e.g. who holds a lock).",
      PyExc_Exception, nullptr);
  module.add_object("Error", py::handle(g_base).inc_ref());
  for (std::size_t i = 0; i < kCodes.size(); ++i) {
    const std::string name(ErrorCodeName(kCodes[i]));
    g_classes[i] = PyErr_NewException(("libsync." + name).c_str(), g_base, nullptr);
    module.add_object(name.c_str(), py::handle(g_classes[i]).inc_ref());
  }
  py::register_exception_translator([](std::exception_ptr thrown) {
    try {
      if (thrown) std::rethrow_exception(thrown);
    } catch (const StatusError& e) {
      const Status& s = e.status;
      PyObject* cls = ClassFor(s.code());
      py::object error = py::reinterpret_borrow<py::object>(cls)(s.message());
      error.attr("code") = std::string(ErrorCodeName(s.code()));
      error.attr("http_status") = s.http_status();
      py::dict details;
      for (const auto& [k, v] : s.details()) details[py::str(k)] = v;
      error.attr("details") = details;
      error.attr("message") = s.message();
      PyErr_SetObject(cls, error.ptr());
    }
  });
}

}  // namespace libsync::python
