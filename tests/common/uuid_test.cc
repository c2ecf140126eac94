// Time-ordered UUIDs (version 7) and name-based UUIDs (version 5).
#include "common/uuid.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"

namespace csx {
namespace {

TEST(UuidTest, NewUuidsAreVersion7AndStrictlyIncreasing) {
  const int64_t before_ms = absl::ToUnixMillis(absl::Now());
  std::string last;
  for (int i = 0; i < 100000; ++i) {
    const std::string u = NewUuid();
    ASSERT_EQ(u.size(), 36u);
    ASSERT_EQ(u[14], '7') << u;
    ASSERT_TRUE(u[19] == '8' || u[19] == '9' || u[19] == 'a' || u[19] == 'b')
        << u;
    ASSERT_GT(u, last) << "not increasing after " << last;
    last = u;
  }
  // The first 48 bits are the Unix time in milliseconds.
  uint64_t ms = 0;
  ASSERT_TRUE(absl::SimpleHexAtoi(last.substr(0, 8) + last.substr(9, 4), &ms));
  EXPECT_GE(static_cast<int64_t>(ms), before_ms);
  EXPECT_LE(static_cast<int64_t>(ms), absl::ToUnixMillis(absl::Now()) + 50);
}

TEST(UuidTest, NewUuidIsUniqueAcrossThreads) {
  std::vector<std::vector<std::string>> got(4);
  std::vector<std::thread> threads;
  for (auto& out : got) {
    threads.emplace_back([&out] {
      for (int i = 0; i < 20000; ++i) out.push_back(NewUuid());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& out : got) all.insert(out.begin(), out.end());
  EXPECT_EQ(all.size(), 80000u);
}

// The random bits are drawn from a pool; a forked child must not draw the
// parent's pooled bytes again.
TEST(UuidTest, AForkedChildDoesNotRepeatTheParentsRandomBits) {
  NewUuid();  // fills the pool
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    for (int i = 0; i < 10; ++i) {
      const std::string tail = NewUuid().substr(19);  // the random part
      if (write(fds[1], tail.data(), tail.size()) !=
          static_cast<ssize_t>(tail.size())) {
        _exit(1);
      }
    }
    _exit(0);
  }
  close(fds[1]);
  std::set<std::string> parent;
  for (int i = 0; i < 10; ++i) parent.insert(NewUuid().substr(19));
  std::string from_child;
  char buf[512];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) from_child.append(buf, n);
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_EQ(from_child.size(), 10u * 17);
  for (size_t i = 0; i < from_child.size(); i += 17) {
    EXPECT_EQ(parent.count(from_child.substr(i, 17)), 0u)
        << "the child repeated " << from_child.substr(i, 17);
  }
}

TEST(UuidTest, NameUuidIsStableVersion5) {
  EXPECT_EQ(NameUuid("org:cl.csirt"), NameUuid("org:cl.csirt"));
  EXPECT_NE(NameUuid("org:cl.csirt"), NameUuid("org:us.cisa"));
  EXPECT_EQ(NameUuid("org:cl.csirt")[14], '5');
}

TEST(UuidTest, FormatUuidIsCanonicalLowerCaseText) {
  const unsigned char bytes[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
                                   0xcd, 0xef, 0xf0, 0x0f, 0x10, 0x20,
                                   0x30, 0x40, 0x5a, 0xa5};
  EXPECT_EQ(FormatUuid(bytes), "01234567-89ab-cdef-f00f-102030405aa5");
}

}  // namespace
}  // namespace csx
