// The clean-close mark: a store csxd closed cleanly and nobody touched since
// opens without the full integrity check; any other store gets it.
#include "server/store/sqlite/clean_mark.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "server/store/sqlite/sqlite_store.h"
#include "tests/integration/test_env.h"
#include "tests/status_matchers.h"

namespace csx {
namespace {

using ::csx::testing::IsOk;
using ::csx::testing::StatusIs;

v1::Indicator Domain(const std::string& id) {
  v1::Indicator ind;
  ind.set_id(id);
  ind.set_type(v1::DOMAIN);
  ind.set_value(absl::StrCat(id, ".example"));
  ind.set_origin("cl.csirt");
  ind.mutable_modified()->set_seconds(1700000000);
  return ind;
}

class CleanMarkTest : public ::testing::Test {
 protected:
  // Opens the store, writes one indicator and closes it.
  void OpenWriteClose(const std::string& id) {
    auto store = SqliteStore::Open(path_);
    ASSERT_THAT(store, IsOk());
    auto txn = (*store)->Begin();
    ASSERT_THAT(txn, IsOk());
    ASSERT_THAT((*txn)->PutVersion(v1::OP_UPSERT, absl::Now(), Domain(id)),
                IsOk());
    ASSERT_THAT((*txn)->Commit(), IsOk());
  }

  testing::TempDir dir_;
  const std::string path_ = dir_.File("csx.db");
};

TEST_F(CleanMarkTest, AStoreClosedCleanlyIsNotCheckedAgain) {
  // A new file is checked (there is no mark) ...
  {
    auto store = SqliteStore::Open(path_);
    ASSERT_THAT(store, IsOk());
    EXPECT_TRUE((*store)->integrity_check().has_value());
  }
  // ... and leaves a mark and no log when it is closed.
  EXPECT_TRUE(std::filesystem::exists(path_ + ".clean"));
  EXPECT_FALSE(std::filesystem::exists(path_ + "-wal"));
  EXPECT_TRUE(ClosedCleanlyAndUnchanged(path_));

  auto store = SqliteStore::Open(path_);
  ASSERT_THAT(store, IsOk());
  EXPECT_FALSE((*store)->integrity_check().has_value());
  // The mark is gone while the store is open: a crash now leaves none.
  EXPECT_FALSE(std::filesystem::exists(path_ + ".clean"));
  EXPECT_FALSE(ClosedCleanlyAndUnchanged(path_));
  auto got = (*store)->Get("a");
  EXPECT_THAT(got, StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(CleanMarkTest, EverythingWrittenBeforeACleanCloseIsThereAfterIt) {
  OpenWriteClose("a");
  OpenWriteClose("b");
  ASSERT_TRUE(ClosedCleanlyAndUnchanged(path_));
  auto store = SqliteStore::Open(path_);
  ASSERT_THAT(store, IsOk());
  EXPECT_FALSE((*store)->integrity_check().has_value());
  EXPECT_THAT((*store)->Get("a"), IsOk());
  EXPECT_THAT((*store)->Get("b"), IsOk());
}

TEST_F(CleanMarkTest, AFileChangedAfterTheCloseIsChecked) {
  OpenWriteClose("a");
  ASSERT_TRUE(ClosedCleanlyAndUnchanged(path_));
  // Another program writes the file (the same bytes: only its times move).
  {
    std::ifstream in(path_, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  EXPECT_FALSE(ClosedCleanlyAndUnchanged(path_));
  auto store = SqliteStore::Open(path_);
  ASSERT_THAT(store, IsOk());
  EXPECT_TRUE((*store)->integrity_check().has_value());
}

TEST_F(CleanMarkTest, AFileReplacedByACopyIsChecked) {
  OpenWriteClose("a");
  std::filesystem::copy_file(path_, path_ + ".copy");
  std::filesystem::rename(path_ + ".copy", path_);  // another inode
  EXPECT_FALSE(ClosedCleanlyAndUnchanged(path_));
}

TEST_F(CleanMarkTest, ALogBesideTheFileMeansItWasNotClosedCleanly) {
  OpenWriteClose("a");
  ASSERT_TRUE(ClosedCleanlyAndUnchanged(path_));
  std::ofstream(path_ + "-wal") << "";
  EXPECT_FALSE(ClosedCleanlyAndUnchanged(path_));
  EXPECT_THAT(MarkClosedCleanly(path_),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(CleanMarkTest, AStoreThatFailedToOpenLeavesNoMark) {
  std::ofstream(path_) << std::string(8192, 'x');  // not a database
  EXPECT_FALSE(SqliteStore::Open(path_).ok());
  EXPECT_FALSE(std::filesystem::exists(path_ + ".clean"));
}

TEST_F(CleanMarkTest, ClearingWithoutAMarkIsFine) {
  EXPECT_THAT(ClearCleanMark(path_), IsOk());
}

}  // namespace
}  // namespace csx
