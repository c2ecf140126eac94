// --output stix: indicators as STIX 2.1 bundles (common/stix).
#include "client/formats/record_sink.h"
#include "common/stix/stix_export.h"

namespace csx::formats {
namespace {

class StixSink : public RecordSink {
 public:
  explicit StixSink(std::ostream& out) : out_(out) {}

  void Write(const v1::Indicator& indicator,
             const v1::FeedEntry* entry) override {
    if (entry != nullptr) pulled_ = true;
    bundle_.Add(indicator);
  }

  // A pulled batch is one bundle on one line, so that it is complete on the
  // stream before csx records the batch's cursor.
  void EndBatch() override {
    if (bundle_.size() == 0) return;
    out_ << Dump(bundle_.Build(), -1) << '\n';
    out_.flush();
    bundle_.Clear();
    wrote_ = true;
  }

  void Finish() override {
    if (pulled_) {
      EndBatch();
      return;
    }
    // query/get: one bundle, empty when nothing matched.
    out_ << Dump(bundle_.Build(), 2) << '\n';
  }

 private:
  static std::string Dump(const nlohmann::json& j, int indent) {
    return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  std::ostream& out_;
  stix::BundleBuilder bundle_;
  bool pulled_ = false;
  bool wrote_ = false;
};

}  // namespace

std::unique_ptr<RecordSink> NewStixSink(std::ostream& out) {
  return std::make_unique<StixSink>(out);
}

}  // namespace csx::formats
