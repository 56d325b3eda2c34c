#pragma once
// Python classes for libsync's value types (read-only attributes; timestamps as aware UTC
// datetimes).

#include <pybind11/pybind11.h>

namespace libsync::python {

void BindModels(pybind11::module_& module);

}  // namespace libsync::python
