#include "server/core/principal_mapper.h"

#include <algorithm>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace csx {
namespace {

// Splits csx://ORG/ROLE/NAME; nullopt for any other URI.
struct CsxUri {
  std::string org, role, name;
};
std::optional<CsxUri> ParseCsxUri(absl::string_view uri) {
  if (!absl::ConsumePrefix(&uri, "csx://")) return std::nullopt;
  std::vector<std::string> parts = absl::StrSplit(uri, '/');
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty() ||
      parts[2].empty()) {
    return std::nullopt;
  }
  return CsxUri{parts[0], parts[1], parts[2]};
}

}  // namespace

bool SegmentGlobMatch(absl::string_view pattern, absl::string_view text,
                      char separator) {
  // Iterative matcher with backtracking limited to the current '*'.
  size_t p = 0, t = 0;
  size_t star = absl::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != absl::string_view::npos && text[mark] != separator) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

absl::StatusOr<PrincipalMapper> PrincipalMapper::Create(
    std::string node_org,
    const google::protobuf::RepeatedPtrField<v1::PrincipalRule>& rules) {
  PrincipalMapper m;
  m.node_org_ = std::move(node_org);
  for (int i = 0; i < rules.size(); ++i) {
    const v1::PrincipalRule& r = rules[i];
    const std::string where = absl::StrCat("principals[", i, "]");
    auto role = ParseRole(r.role());
    if (!role.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".", role.status().message()));
    }
    const auto& match = r.match();
    int set = !match.san_uri().empty() + !match.san_dns().empty() +
              !match.cn().empty();
    if (set != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ".match: exactly one of san_uri, san_dns, cn is required"));
    }
    for (absl::string_view pat :
         {match.san_uri(), match.san_dns(), match.cn()}) {
      if (pat == "*") {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ".match: a lone '*' would accept any certificate"));
      }
    }
    std::shared_ptr<const IssuerPin> issuer;
    if (!r.issuer_ca().empty()) {
      auto pin = IssuerPin::Load(r.issuer_ca());
      if (!pin.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ".issuer_ca: ", pin.status().message()));
      }
      issuer = std::make_shared<const IssuerPin>(std::move(*pin));
    }
    m.rules_.push_back(Rule{match.san_uri(), match.san_dns(), match.cn(),
                            r.org().empty() ? m.node_org_ : r.org(), *role,
                            r.name(), std::move(issuer)});
  }
  return m;
}

absl::StatusOr<Principal> PrincipalMapper::Map(const CertIdentity& id) const {
  // Which of several csx:// names would act is not for the order of the
  // rules to decide.
  const auto csx_uris = std::count_if(
      id.uris.begin(), id.uris.end(),
      [](const std::string& u) { return absl::StartsWith(u, "csx://"); });
  if (csx_uris > 1) {
    return absl::PermissionDeniedError(
        absl::StrCat("certificate (", id.ToString(), ") carries ", csx_uris,
                     " csx:// URIs; a client certificate names one principal"));
  }
  for (const Rule& rule : rules_) {
    if (rule.issuer && !(id.cert && rule.issuer->Issued(id.cert.get()))) {
      continue;
    }
    std::optional<std::string> name;
    if (!rule.san_uri.empty()) {
      for (const auto& uri : id.uris) {
        if (!SegmentGlobMatch(rule.san_uri, uri, '/')) continue;
        auto csx = ParseCsxUri(uri);
        if (csx && csx->org != rule.org) continue;  // never act for another org
        name = csx ? csx->name : uri;
        break;
      }
    } else if (!rule.san_dns.empty()) {
      for (const auto& dns : id.dns_names) {
        if (SegmentGlobMatch(rule.san_dns, dns, '.')) {
          name = dns;
          break;
        }
      }
    } else if (!id.common_name.empty() &&
               SegmentGlobMatch(rule.cn, id.common_name, '.')) {
      name = id.common_name;
    }
    if (!name) continue;
    Principal p;
    p.org = rule.org;
    p.role = rule.role;
    p.name = rule.name.empty() ? *name : rule.name;
    return p;
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "certificate (", id.ToString(), ") matches no principals rule"));
}

}  // namespace csx
