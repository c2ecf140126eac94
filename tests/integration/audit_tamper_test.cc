// csx audit verify detects an altered or a removed audit record, edited
// directly in the database file while the node is stopped.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "tests/integration/test_env.h"

namespace csx::testing {
namespace {

using ::testing::HasSubstr;

void Sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
      << err;
  sqlite3_free(err);
  sqlite3_close(db);
}

class AuditTamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(f.node->Start());
    for (int i = 0; i < 5; ++i) {
      auto r = f.Csx(f.analyst, {"submit", "--type", "ipv4", "--value",
                                 "203.0.113." + std::to_string(i)});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    auto ok = f.Csx(f.admin, {"audit", "verify", "-o", "jsonl"});
    ASSERT_EQ(ok.exit_code, 0) << ok.err;
    EXPECT_THAT(ok.out, HasSubstr("\"ok\":true"));
    ASSERT_EQ(f.node->Terminate(), 0);
  }
  CommandResult Verify() {
    EXPECT_TRUE(f.node->Start());
    return f.Csx(f.admin, {"audit", "verify"});
  }
  NodeFixture f;
};

TEST_F(AuditTamperTest, AlteredRecordIsDetected) {
  Sql(f.node->db_path(),
      "UPDATE audit SET principal = 'cl.csirt/analyst/bob' WHERE seq = 3");
  auto r = Verify();
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.err, HasSubstr("record 3 was altered"));
}

TEST_F(AuditTamperTest, DeletedRecordIsDetected) {
  Sql(f.node->db_path(), "DELETE FROM audit WHERE seq = 2");
  auto r = Verify();
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.err, HasSubstr("record 2 is missing"));
}

TEST_F(AuditTamperTest, DeletedNewestRecordIsDetected) {
  Sql(f.node->db_path(),
      "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)");
  auto r = Verify();
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.err, HasSubstr("head anchor"));
}

TEST_F(AuditTamperTest, RecomputedHashStillBreaksTheChain) {
  // An attacker who rewrites a record and its hash breaks the next link.
  Sql(f.node->db_path(),
      "UPDATE audit SET detail = 'nothing', hash = zeroblob(32) WHERE seq = 2");
  auto r = Verify();
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.err, HasSubstr("record 2"));
}

}  // namespace
}  // namespace csx::testing
