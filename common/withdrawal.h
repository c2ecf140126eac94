// Feed withdrawals: a revocation or expiry served to a partner that may no
// longer see the indicator in full carries only its id, type and state, so
// that the copy it received earlier is withdrawn.
#ifndef CSX_COMMON_WITHDRAWAL_H_
#define CSX_COMMON_WITHDRAWAL_H_

#include "csx/v1/indicator.pb.h"

namespace csx {

// True for a feed withdrawal: an id without a value.
inline bool IsWithdrawal(const v1::Indicator& indicator) {
  return indicator.value().empty() && !indicator.id().empty();
}

}  // namespace csx

#endif  // CSX_COMMON_WITHDRAWAL_H_
