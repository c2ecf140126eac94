// --output zeek|suricata|rpz|nftables: feeds as files that sensors load
// directly (docs/feed-profiles.md). Each profile writes its preamble before
// the first record (or at the end when there is none, so that an empty feed
// is still a valid file), one record at a time, and a comment summarising
// the indicators it cannot express.
#include "client/formats/feed_profiles.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/canonical.h"
#include "common/ip_address.h"
#include "common/time_util.h"
#include "common/tlp.h"

namespace csx::formats {
namespace {

// Text safe inside one field of a line: control characters (tabs, newlines)
// become spaces.
std::string OneLine(absl::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

bool IsRemoval(const v1::Indicator& ind, const v1::FeedEntry* entry) {
  if (entry != nullptr &&
      (entry->op() == v1::OP_REVOKE || entry->op() == v1::OP_EXPIRE)) {
    return true;
  }
  return ind.revoked() || ind.expired();
}

// The shared shape of every profile.
class ProfileSink : public RecordSink {
 public:
  ProfileSink(std::ostream& out, absl::Time now) : out_(out), now_(now) {}

  void Write(const v1::Indicator& ind, const v1::FeedEntry* entry) final {
    Start();
    if (ind.value().empty()) {
      ++withdrawn_without_value_;  // a tombstone: nothing to match on
      return;
    }
    const bool removal = IsRemoval(ind, entry);
    if (!Supports(ind.type())) {
      ++skipped_[std::string(IndicatorTypeName(ind.type()))];
      return;
    }
    if (removal) {
      Remove(ind, entry);
    } else {
      Add(ind, entry);
    }
  }

  void EndBatch() final { out_.flush(); }

  void Finish() final {
    Start();
    if (!skipped_.empty()) {
      std::vector<std::string> parts;
      int total = 0;
      for (const auto& [type, n] : skipped_) {
        parts.push_back(type);
        total += n;
      }
      out_ << Comment() << " csx: skipped " << total << " indicator"
           << (total == 1 ? "" : "s") << " of type "
           << absl::StrJoin(parts, ", ") << ", not expressible in " << Name()
           << "\n";
    }
    if (withdrawn_without_value_ > 0) {
      out_ << Comment() << " csx: " << withdrawn_without_value_
           << " withdrawal(s) carried no value and were skipped\n";
    }
    out_.flush();
  }

 protected:
  virtual absl::string_view Name() const = 0;
  virtual absl::string_view Comment() const = 0;
  virtual bool Supports(v1::IndicatorType type) const = 0;
  virtual void Preamble() = 0;
  virtual void Add(const v1::Indicator& ind, const v1::FeedEntry* entry) = 0;
  virtual void Remove(const v1::Indicator& ind, const v1::FeedEntry* entry) = 0;

  std::ostream& out_;
  const absl::Time now_;

 private:
  void Start() {
    if (started_) return;
    started_ = true;
    Preamble();
  }

  bool started_ = false;
  std::map<std::string, int> skipped_;
  int withdrawn_without_value_ = 0;
};

// Zeek intel framework file.
class ZeekSink : public ProfileSink {
 public:
  using ProfileSink::ProfileSink;

 protected:
  absl::string_view Name() const override { return "zeek"; }
  absl::string_view Comment() const override { return "#"; }
  bool Supports(v1::IndicatorType t) const override {
    return !IntelType(t).empty();
  }
  void Preamble() override {
    out_ << "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\t"
            "meta.url\n";
  }
  void Add(const v1::Indicator& ind, const v1::FeedEntry*) override {
    std::vector<std::string> desc = {
        absl::StrCat("TLP:", TlpName(ind.tlp())),
        absl::StrCat("confidence ", ind.confidence())};
    if (ind.tags_size() > 0) {
      desc.push_back(absl::StrCat("tags ", absl::StrJoin(ind.tags(), ",")));
    }
    desc.push_back(absl::StrCat("id ", ind.id()));
    if (!ind.description().empty()) desc.push_back(ind.description());
    out_ << OneLine(Value(ind)) << '\t' << IntelType(ind.type()) << '\t'
         << OneLine(absl::StrCat("csx:", ind.origin())) << '\t'
         << OneLine(absl::StrJoin(desc, "; ")) << "\t-\n";
  }
  void Remove(const v1::Indicator& ind, const v1::FeedEntry*) override {
    out_ << "#csx-remove\t" << OneLine(Value(ind)) << '\t'
         << IntelType(ind.type()) << '\n';
  }

 private:
  static absl::string_view IntelType(v1::IndicatorType t) {
    switch (t) {
      case v1::IPV4:
      case v1::IPV6:
        return "Intel::ADDR";
      case v1::CIDR:
        return "Intel::SUBNET";
      case v1::DOMAIN:
        return "Intel::DOMAIN";
      case v1::URL:
        return "Intel::URL";
      case v1::EMAIL:
        return "Intel::EMAIL";
      case v1::MD5:
      case v1::SHA1:
      case v1::SHA256:
      case v1::SHA512:
        return "Intel::FILE_HASH";
      default:
        return "";
    }
  }
  // Zeek matches URLs without their scheme.
  static std::string Value(const v1::Indicator& ind) {
    if (ind.type() != v1::URL) return ind.value();
    const size_t scheme = ind.value().find("://");
    return scheme == std::string::npos ? ind.value()
                                       : ind.value().substr(scheme + 3);
  }
};

// Suricata (and Snort-style) rules.
class SuricataSink : public ProfileSink {
 public:
  SuricataSink(std::ostream& out, absl::Time now, uint64_t sid_base)
      : ProfileSink(out, now), sid_base_(sid_base) {}

 protected:
  absl::string_view Name() const override { return "suricata"; }
  absl::string_view Comment() const override { return "#"; }
  bool Supports(v1::IndicatorType t) const override {
    return t == v1::IPV4 || t == v1::IPV6 || t == v1::CIDR || t == v1::DOMAIN ||
           t == v1::URL;
  }
  void Preamble() override {
    out_ << "# csirt-exchange feed for Suricata, generated "
         << csx::FormatTime(now_) << "\n";
  }
  void Add(const v1::Indicator& ind, const v1::FeedEntry* entry) override {
    // Two sids per record (a domain has a DNS and a TLS rule): unique for
    // every feed entry (its seq) or, for a query, every result.
    const uint64_t n = entry != nullptr ? entry->seq() : ++index_;
    const uint64_t sid = sid_base_ + 2 * n;
    const std::string what =
        absl::StrCat(IndicatorTypeName(ind.type()), " ", ind.value());
    const std::string meta = absl::StrCat(
        "classtype:trojan-activity; sid:", "%SID%",
        "; rev:", std::max<uint64_t>(ind.version(), 1), "; metadata:csx_id ",
        ind.id(), ", csx_tlp ", absl::AsciiStrToLower(TlpName(ind.tlp())), ";");
    auto rule = [&](absl::string_view header, absl::string_view suffix,
                    absl::string_view body, uint64_t s) {
      std::string m = meta;
      m.replace(m.find("%SID%"), 5, absl::StrCat(s));
      out_ << "alert " << header << " (msg:\""
           << Msg(absl::StrCat("csx ", what, suffix, " (origin ", ind.origin(),
                               ", TLP:", TlpName(ind.tlp()), ")"))
           << "\"; " << body << m << ")\n";
    };
    switch (ind.type()) {
      case v1::IPV4:
      case v1::IPV6:
      case v1::CIDR:
        rule(absl::StrCat("ip $HOME_NET any <> [", ind.value(), "] any"), "",
             "", sid);
        break;
      case v1::DOMAIN: {
        const std::string content = Content("." + ind.value());
        rule("dns $HOME_NET any -> any any", " DNS query",
             absl::StrCat("dns.query; dotprefix; content:\"", content,
                          "\"; endswith; nocase; "),
             sid);
        rule("tls $HOME_NET any -> any any", " TLS SNI",
             absl::StrCat("tls.sni; dotprefix; content:\"", content,
                          "\"; endswith; nocase; "),
             sid + 1);
        break;
      }
      case v1::URL: {
        absl::string_view v = ind.value();
        const size_t scheme = v.find("://");
        if (scheme != absl::string_view::npos) v.remove_prefix(scheme + 3);
        const size_t slash = v.find('/');
        std::string host(v.substr(0, slash));
        if (const size_t colon = host.rfind(':');
            colon != std::string::npos && host.find(']') == std::string::npos) {
          host.resize(colon);
        }
        const std::string path(
            slash == absl::string_view::npos ? "/" : v.substr(slash));
        rule("http $HOME_NET any -> any any", " HTTP request",
             absl::StrCat("http.host; content:\"", Content(host),
                          "\"; startswith; endswith; nocase; http.uri; "
                          "content:\"",
                          Content(path), "\"; startswith; endswith; "),
             sid);
        break;
      }
      default:
        break;
    }
  }
  void Remove(const v1::Indicator& ind, const v1::FeedEntry*) override {
    out_ << "# csx-remove " << ind.id() << " " << IndicatorTypeName(ind.type())
         << " " << OneLine(ind.value()) << "\n";
  }

 private:
  // msg text: ; \ and " escaped with a backslash.
  static std::string Msg(absl::string_view text) {
    std::string out;
    for (char c : OneLine(text)) {
      if (c == ';' || c == '\\' || c == '"') out.push_back('\\');
      out.push_back(c);
    }
    return out;
  }
  // content text: ; \ " | and non-printable bytes as |hex|.
  static std::string Content(absl::string_view text) {
    std::string out;
    for (unsigned char c : text) {
      if (c == ';' || c == '\\' || c == '"' || c == '|' || c < 0x20 ||
          c >= 0x7f) {
        absl::StrAppend(
            &out, "|",
            absl::AsciiStrToUpper(absl::StrCat(absl::Hex(c, absl::kZeroPad2))),
            "|");
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
    return out;
  }

  const uint64_t sid_base_;
  uint64_t index_ = 0;
};

// BIND response-policy zone.
class RpzSink : public ProfileSink {
 public:
  using ProfileSink::ProfileSink;

 protected:
  absl::string_view Name() const override { return "rpz"; }
  absl::string_view Comment() const override { return ";"; }
  bool Supports(v1::IndicatorType t) const override {
    return t == v1::IPV4 || t == v1::IPV6 || t == v1::CIDR || t == v1::DOMAIN;
  }
  void Preamble() override {
    out_ << "; csirt-exchange response-policy zone, generated "
         << csx::FormatTime(now_) << "\n"
         << "$TTL 300\n"
         << "@ SOA localhost. hostmaster.localhost. ("
         << static_cast<uint32_t>(absl::ToUnixSeconds(now_))
         << " 3600 600 86400 300)\n"
         << "  NS localhost.\n";
  }
  void Add(const v1::Indicator& ind, const v1::FeedEntry*) override {
    for (const std::string& owner : Owners(ind)) {
      out_ << owner << " CNAME .\n";
    }
  }
  void Remove(const v1::Indicator& ind, const v1::FeedEntry*) override {
    for (const std::string& owner : Owners(ind)) {
      out_ << "; csx-remove " << owner << "\n";
    }
  }

 private:
  // The trigger owner names of an indicator: the domain and its subdomains,
  // or an rpz-ip name (prefix length, then the address reversed).
  static std::vector<std::string> Owners(const v1::Indicator& ind) {
    if (ind.type() == v1::DOMAIN) {
      return {ind.value(), absl::StrCat("*.", ind.value())};
    }
    std::string text = ind.value();
    if (text.find('/') == std::string::npos) {
      text += ind.type() == v1::IPV6 ? "/128" : "/32";
    }
    auto prefix = ParseIpPrefix(text);
    if (!prefix.ok()) return {};
    const auto& b = prefix->address.bytes;
    std::vector<std::string> labels;
    if (!prefix->address.v6) {
      for (int i = 15; i >= 12; --i) labels.push_back(absl::StrCat(b[i]));
    } else {
      std::vector<uint16_t> groups(8);
      for (int g = 0; g < 8; ++g) groups[g] = (b[2 * g] << 8) | b[2 * g + 1];
      // The longest run (at least two) of zero groups becomes "zz".
      int best = -1, best_len = 0;
      for (int g = 0; g < 8;) {
        int len = 0;
        while (g + len < 8 && groups[g + len] == 0) ++len;
        if (len > best_len && len >= 2) {
          best = g;
          best_len = len;
        }
        g += len > 0 ? len : 1;
      }
      for (int g = 7; g >= 0; --g) {
        if (g >= best && g < best + best_len) {
          if (g == best) labels.push_back("zz");
          continue;
        }
        labels.push_back(absl::StrCat(absl::Hex(groups[g])));
      }
    }
    return {absl::StrCat(prefix->length, ".", absl::StrJoin(labels, "."),
                         ".rpz-ip")};
  }
};

// A script for `nft -f`.
class NftablesSink : public ProfileSink {
 public:
  using ProfileSink::ProfileSink;

 protected:
  absl::string_view Name() const override { return "nftables"; }
  absl::string_view Comment() const override { return "#"; }
  bool Supports(v1::IndicatorType t) const override {
    return t == v1::IPV4 || t == v1::IPV6 || t == v1::CIDR;
  }
  void Preamble() override {
    out_ << "# csirt-exchange feed for nftables, generated "
         << csx::FormatTime(now_) << "\n"
         << "add table inet csx\n"
         << "add set inet csx csx_ipv4 { type ipv4_addr; }\n"
         << "add set inet csx csx_ipv6 { type ipv6_addr; }\n"
         << "add set inet csx csx_ipv4_net { type ipv4_addr; flags interval; "
            "auto-merge; }\n"
         << "add set inet csx csx_ipv6_net { type ipv6_addr; flags interval; "
            "auto-merge; }\n";
  }
  void Add(const v1::Indicator& ind, const v1::FeedEntry*) override {
    out_ << "add element inet csx " << Set(ind) << " { " << ind.value()
         << " }\n";
  }
  // Adding first makes the delete valid even when the set never had it.
  void Remove(const v1::Indicator& ind, const v1::FeedEntry* entry) override {
    Add(ind, entry);
    out_ << "delete element inet csx " << Set(ind) << " { " << ind.value()
         << " }\n";
  }

 private:
  // Addresses go to plain sets, prefixes to interval sets (an address in
  // an auto-merge interval set cannot be added and deleted in one batch).
  static absl::string_view Set(const v1::Indicator& ind) {
    const bool v6 = ind.value().find(':') != std::string::npos;
    if (ind.type() == v1::CIDR) return v6 ? "csx_ipv6_net" : "csx_ipv4_net";
    return v6 ? "csx_ipv6" : "csx_ipv4";
  }
};

}  // namespace

std::unique_ptr<RecordSink> NewProfileSink(FeedProfile profile,
                                           std::ostream& out) {
  return NewProfileSinkAt(profile, out, absl::Now());
}

std::unique_ptr<RecordSink> NewProfileSinkAt(FeedProfile profile,
                                             std::ostream& out,
                                             absl::Time now) {
  switch (profile) {
    case FeedProfile::kZeek:
      return std::make_unique<ZeekSink>(out, now);
    case FeedProfile::kSuricata:
      return std::make_unique<SuricataSink>(out, now, kSuricataSidBase);
    case FeedProfile::kRpz:
      return std::make_unique<RpzSink>(out, now);
    case FeedProfile::kNftables:
      return std::make_unique<NftablesSink>(out, now);
  }
  return nullptr;
}

}  // namespace csx::formats
