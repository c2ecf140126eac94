// Golden files: expected outputs kept in tests/testdata/. Set
// CSX_UPDATE_GOLDEN=1 to rewrite them from the current output (then review
// the diff).
#ifndef CSX_TESTS_GOLDEN_H_
#define CSX_TESTS_GOLDEN_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace csx::testing {

inline std::string TestDataPath(const std::string& name) {
  return std::string(CSX_TESTDATA_DIR) + "/" + name;
}

inline std::string ReadTestData(const std::string& name) {
  std::ifstream in(TestDataPath(name), std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing test data " << TestDataPath(name);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

inline void ExpectGolden(const std::string& name, const std::string& actual) {
  if (std::getenv("CSX_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(TestDataPath(name), std::ios::binary) << actual;
    return;
  }
  EXPECT_EQ(actual, ReadTestData(name))
      << "golden file " << name
      << " differs (CSX_UPDATE_GOLDEN=1 rewrites it; review the diff)";
}

}  // namespace csx::testing

#endif  // CSX_TESTS_GOLDEN_H_
