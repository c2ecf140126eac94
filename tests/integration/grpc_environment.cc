// gRPC's lifetime in the integration test binary: held from before the first
// test to after the last, whose channels are gone by then, so that gRPC has
// shut down before the process exits (see GrpcRuntime).
#include <gtest/gtest.h>

#include <memory>

#include "common/grpc/grpc_runtime.h"

namespace csx::testing {
namespace {

class GrpcEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { runtime_ = std::make_unique<GrpcRuntime>(); }
  void TearDown() override { runtime_.reset(); }

 private:
  std::unique_ptr<GrpcRuntime> runtime_;
};

// gtest takes ownership of the environment.
[[maybe_unused]] ::testing::Environment* const kGrpcEnvironment =
    ::testing::AddGlobalTestEnvironment(new GrpcEnvironment);

}  // namespace
}  // namespace csx::testing
