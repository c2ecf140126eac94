#include "client/progress_bar.h"

#include <string>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace csx::cli {

void ProgressBar::Update(size_t done) {
  done_ = done;
  if (out_ == nullptr) return;
  const absl::Time now = absl::Now();
  if (now - last_draw_ < absl::Milliseconds(100)) return;
  last_draw_ = now;
  Draw(done);
}

void ProgressBar::Draw(size_t done) {
  constexpr int kWidth = 40;
  const double frac =
      total_ == 0 ? 1.0
                  : static_cast<double>(done) / static_cast<double>(total_);
  const int filled = static_cast<int>(frac * kWidth);
  *out_ << absl::StrFormat("\r[%s%s] %3d%% %d/%d", std::string(filled, '#'),
                           std::string(kWidth - filled, ' '),
                           static_cast<int>(frac * 100), done, total_)
        << std::flush;
}

void ProgressBar::Finish() {
  if (out_ == nullptr) return;
  Draw(done_);
  *out_ << "\n";
}

}  // namespace csx::cli
