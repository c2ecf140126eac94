#include "server/core/warninglists.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace csx {
namespace {

bool Overlaps(const IpRange& a, const IpRange& b) {
  return a.lo <= b.hi && b.lo <= a.hi;
}

// The host part of a canonical URL or email; "" when there is none.
std::string HostOf(v1::IndicatorType type, const std::string& value) {
  if (type == v1::DOMAIN) return value;
  if (type == v1::EMAIL) {
    const size_t at = value.rfind('@');
    return at == std::string::npos ? "" : value.substr(at + 1);
  }
  if (type == v1::URL) {
    size_t start = value.find("://");
    if (start == std::string::npos) return "";
    start += 3;
    size_t end = value.find('/', start);
    std::string authority = value.substr(start, end - start);
    const size_t at = authority.rfind('@');
    if (at != std::string::npos) authority = authority.substr(at + 1);
    if (!authority.empty() && authority[0] == '[') {
      return authority.substr(1, authority.find(']') - 1);
    }
    return authority.substr(0, authority.rfind(':') == std::string::npos
                                   ? authority.size()
                                   : authority.rfind(':'));
  }
  return "";
}

}  // namespace

void Warninglists::AddBuiltin() {
  auto cidrs = [this](std::string name, std::vector<std::string> items) {
    List l;
    l.name = std::move(name);
    for (const auto& c : items) l.ranges.push_back(*RangeOfIp(c));
    lists_.push_back(std::move(l));
  };
  cidrs("rfc1918-private", {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"});
  cidrs("rfc5735-special-ipv4",
        {"0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "192.0.0.0/24",
         "198.18.0.0/15", "240.0.0.0/4", "255.255.255.255/32"});
  cidrs("rfc5737-documentation",
        {"192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"});
  cidrs("rfc6598-shared-address", {"100.64.0.0/10"});
  cidrs("multicast", {"224.0.0.0/4", "ff00::/8"});
  cidrs("ipv6-special", {"::/128", "::1/128", "fe80::/10", "fc00::/7"});
  List dns;
  dns.name = "public-dns-resolvers";
  dns.strings = {"8.8.8.8",
                 "8.8.4.4",
                 "1.1.1.1",
                 "1.0.0.1",
                 "9.9.9.9",
                 "149.112.112.112",
                 "208.67.222.222",
                 "208.67.220.220",
                 "2001:4860:4860::8888",
                 "2001:4860:4860::8844",
                 "2606:4700:4700::1111",
                 "2606:4700:4700::1001"};
  lists_.push_back(std::move(dns));
  List domains;
  domains.name = "rfc6761-special-use-domains";
  domains.hostnames = {"example.com", "example.net", "example.org", "example",
                       "test",        "invalid",     "localhost"};
  lists_.push_back(std::move(domains));
}

absl::Status Warninglists::AddMispList(absl::string_view text,
                                       absl::string_view source) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("warninglists.files: ", source, ": ", why));
  };
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  if (!j.contains("name") || !j["name"].is_string()) return bad("no \"name\"");
  if (!j.contains("list") || !j["list"].is_array())
    return bad("no \"list\" array");
  const std::string type = j.value("type", "string");
  List l;
  l.name = j["name"].get<std::string>();
  for (const auto& item : j["list"]) {
    if (!item.is_string()) return bad("a \"list\" entry is not a string");
    std::string v = absl::AsciiStrToLower(
        absl::StripAsciiWhitespace(item.get<std::string>()));
    if (type == "cidr") {
      auto r = RangeOfIp(v);
      if (!r.ok()) return bad(absl::StrCat("'", v, "' is not an IP or CIDR"));
      l.ranges.push_back(*r);
    } else if (type == "hostname") {
      if (!v.empty() && v.back() == '.') v.pop_back();
      l.hostnames.push_back(v);
    } else if (type == "substring") {
      l.substrings.push_back(v);
    } else if (type == "string") {
      auto ip = ParseIpAddress(v);  // compare addresses in canonical form
      l.strings.insert(ip.ok() ? FormatIpAddress(*ip) : v);
    } else {
      return bad(absl::StrCat("unsupported list type '", type, "'"));
    }
  }
  lists_.push_back(std::move(l));
  return absl::OkStatus();
}

absl::StatusOr<Warninglists> Warninglists::Create(
    const v1::WarninglistSection& config) {
  Warninglists w;
  if (!config.disable_builtin()) w.AddBuiltin();
  for (const auto& path : config.files()) {
    std::ifstream in(path);
    if (!in) {
      return absl::InvalidArgumentError(
          absl::StrCat("warninglists.files: cannot read '", path, "'"));
    }
    std::stringstream buf;
    buf << in.rdbuf();
    auto s = w.AddMispList(buf.str(), path);
    if (!s.ok()) return s;
  }
  for (int i = 0; i < config.refuse_size(); ++i) {
    bool found = false;
    for (auto& l : w.lists_) {
      if (l.name == config.refuse(i)) {
        l.refuse = true;
        found = true;
      }
    }
    if (!found) {
      return absl::InvalidArgumentError(absl::StrCat("warninglists.refuse[", i,
                                                     "]: no list named '",
                                                     config.refuse(i), "'"));
    }
  }
  return w;
}

bool Warninglists::MatchHost(const List& list, absl::string_view host) const {
  for (const auto& h : list.hostnames) {
    if (host == h || (host.size() > h.size() && absl::EndsWith(host, h) &&
                      host[host.size() - h.size() - 1] == '.')) {
      return true;
    }
  }
  return false;
}

std::vector<WarninglistHit> Warninglists::Check(
    v1::IndicatorType type, const std::string& value) const {
  std::vector<WarninglistHit> hits;
  auto range = RangeOfIndicator(type, value);
  const std::string host = HostOf(type, value);
  auto host_range = host.empty()
                        ? absl::StatusOr<IpRange>(absl::NotFoundError(""))
                        : RangeOfIp(host);
  for (const List& l : lists_) {
    std::string matched;
    for (const IpRange& r : l.ranges) {
      if ((range.ok() && Overlaps(*range, r)) ||
          (host_range.ok() && Overlaps(*host_range, r))) {
        matched = host.empty() ? value : host;
        break;
      }
    }
    if (matched.empty() &&
        (l.strings.count(value) || (!host.empty() && l.strings.count(host)))) {
      matched = l.strings.count(value) ? value : host;
    }
    if (matched.empty() && !host.empty() && MatchHost(l, host)) matched = host;
    if (matched.empty()) {
      for (const auto& sub : l.substrings) {
        if (absl::StrContains(value, sub)) {
          matched = sub;
          break;
        }
      }
    }
    if (matched.empty()) continue;
    WarninglistHit hit;
    hit.warning.set_list(l.name);
    hit.warning.set_detail(matched);
    hit.refuse = l.refuse;
    hits.push_back(std::move(hit));
  }
  return hits;
}

}  // namespace csx
