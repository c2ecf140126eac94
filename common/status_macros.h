// Small helpers for absl::Status propagation (Abseil 20220623 has none).
#ifndef CSX_COMMON_STATUS_MACROS_H_
#define CSX_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CSX_STATUS_CONCAT_INNER_(a, b) a##b
#define CSX_STATUS_CONCAT_(a, b) CSX_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` yields a non-OK status.
#define CSX_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::absl::Status csx_status_ = (expr);       \
    if (!csx_status_.ok()) return csx_status_; \
  } while (0)

// `CSX_ASSIGN_OR_RETURN(auto x, Foo());` assigns the value of a StatusOr or
// returns its status from the enclosing function.
#define CSX_ASSIGN_OR_RETURN(lhs, expr)                                        \
  CSX_ASSIGN_OR_RETURN_IMPL_(CSX_STATUS_CONCAT_(csx_statusor_, __LINE__), lhs, \
                             expr)

#define CSX_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                               \
  if (!statusor.ok()) return statusor.status();         \
  lhs = std::move(statusor).value()

#endif  // CSX_COMMON_STATUS_MACROS_H_
