// csx.v1.wire.PullResponse, which csxd sends for Pull and Subscribe, must be
// encoded as csx.v1.PullResponse, which clients decode: field for field the
// same numbers, names and wire types, the indicator as bytes.
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include "csx/v1/feed_wire.pb.h"
#include "csx/v1/service.pb.h"
#include "server/store/change_record.h"

namespace csx {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// Every field of `api` has its twin in `wire`, and `wire` has no other.
void ExpectSameFields(const Descriptor* api, const Descriptor* wire) {
  SCOPED_TRACE(api->full_name());
  ASSERT_EQ(api->field_count(), wire->field_count());
  for (int i = 0; i < api->field_count(); ++i) {
    const FieldDescriptor* a = api->field(i);
    const FieldDescriptor* w = wire->FindFieldByNumber(a->number());
    ASSERT_NE(w, nullptr) << a->name();
    EXPECT_EQ(w->name(), a->name());
    EXPECT_EQ(w->is_repeated(), a->is_repeated()) << a->name();
    if (a->full_name() == "csx.v1.FeedEntry.indicator") {
      EXPECT_EQ(w->type(), FieldDescriptor::TYPE_BYTES);
    } else if (a->full_name() == "csx.v1.PullResponse.entries") {
      EXPECT_EQ(w->message_type(), v1::wire::FeedEntry::descriptor());
    } else {
      EXPECT_EQ(w->type(), a->type()) << a->name();
      if (a->type() == FieldDescriptor::TYPE_MESSAGE) {
        EXPECT_EQ(w->message_type(), a->message_type()) << a->name();
      }
      if (a->type() == FieldDescriptor::TYPE_ENUM) {
        EXPECT_EQ(w->enum_type(), a->enum_type()) << a->name();
      }
    }
  }
}

TEST(FeedWireTest, TheWireFormHasTheFieldsOfTheApi) {
  ExpectSameFields(v1::PullResponse::descriptor(),
                   v1::wire::PullResponse::descriptor());
  ExpectSameFields(v1::FeedEntry::descriptor(),
                   v1::wire::FeedEntry::descriptor());
}

TEST(FeedWireTest, AnEncodedPageDecodesAsThePage) {
  v1::PullResponse page;
  page.set_cursor("c");
  page.set_more(true);
  v1::FeedEntry* e = page.add_entries();
  e->set_seq(7);
  e->set_op(v1::OP_REVOKE);
  e->mutable_time()->set_seconds(1700000000);
  e->mutable_indicator()->set_id("01234567-89ab-7def-8123-456789abcdef");
  e->mutable_indicator()->set_value("bad.example");
  e->mutable_indicator()->add_tags("c2");

  v1::wire::PullResponse wire;
  wire.set_cursor("c");
  wire.set_more(true);
  v1::wire::FeedEntry* w = wire.add_entries();
  w->set_seq(7);
  w->set_op(v1::OP_REVOKE);
  w->mutable_time()->set_seconds(1700000000);
  w->set_indicator(e->indicator().SerializeAsString());

  EXPECT_EQ(wire.SerializeAsString(), page.SerializeAsString());
  v1::PullResponse decoded;
  ASSERT_TRUE(decoded.ParseFromString(wire.SerializeAsString()));
  EXPECT_EQ(decoded.entries(0).indicator().value(), "bad.example");
  EXPECT_EQ(decoded.entries(0).indicator().tags(0), "c2");
}

// The check of a stored version sent without decoding: a version accepts,
// bytes that are not a message, a cut one or one ended by a stray
// end-group tag do not.
TEST(ChangeRecordTest, OnlyAWellFormedVersionPassesTheCheck) {
  v1::Indicator ind;
  ind.set_id("5b1f0c2e-0000-7000-8000-000000000001");
  ind.set_value("c2.example");
  ind.add_tags("botnet");
  ind.mutable_created()->set_seconds(1700000000);
  ChangeRecord record;
  record.seq = 7;
  record.indicator = ind.SerializeAsString();
  EXPECT_TRUE(CheckEncoding(record).ok());
  record.indicator.clear();  // an empty version is a valid, empty message
  EXPECT_TRUE(CheckEncoding(record).ok());
  const std::string good = ind.SerializeAsString();
  for (const std::string& bad :
       {std::string("\xff\xff\xff\xff\x0f", 5), good.substr(0, good.size() - 1),
        good + std::string("\x0c", 1)}) {
    record.indicator = bad;
    const absl::Status s = CheckEncoding(record);
    EXPECT_TRUE(absl::IsDataLoss(s)) << s;
    EXPECT_NE(s.message().find("change 7"), absl::string_view::npos) << s;
    EXPECT_FALSE(ind.ParseFromString(bad)) << "the full decode accepts it too";
  }
}

}  // namespace
}  // namespace csx
