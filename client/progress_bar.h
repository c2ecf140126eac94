// ProgressBar: a one-line progress bar redrawn on a terminal; does nothing
// when constructed with a null stream. Not thread-safe.
#ifndef CSX_CLIENT_PROGRESS_BAR_H_
#define CSX_CLIENT_PROGRESS_BAR_H_

#include <cstddef>
#include <ostream>

#include "absl/time/time.h"

namespace csx::cli {

class ProgressBar {
 public:
  ProgressBar(std::ostream* out, size_t total) : out_(out), total_(total) {}
  void Update(size_t done);
  // Draws the final state and ends the line.
  void Finish();

 private:
  void Draw(size_t done);
  std::ostream* out_;
  size_t total_;
  size_t done_ = 0;
  absl::Time last_draw_ = absl::InfinitePast();
};

}  // namespace csx::cli

#endif  // CSX_CLIENT_PROGRESS_BAR_H_
