#include "common/stix/stix_pattern.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/canonical.h"

namespace csx::stix {
namespace {

constexpr size_t kMaxPatternBytes = 1 << 20;
constexpr size_t kMaxTerms = 10000;

std::string Quote(absl::string_view v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

enum class Tok {
  kOpenBracket,
  kCloseBracket,
  kOpenParen,
  kCloseParen,
  kString,
  kNumber,
  kWord,
  kOperator,
  kEnd
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // string literals unescaped
};

// A hand-written scanner: every step consumes at least one character, so it
// ends on any input.
class Scanner {
 public:
  explicit Scanner(absl::string_view in) : in_(in) {}

  absl::StatusOr<Token> Next() {
    while (pos_ < in_.size() &&
           absl::ascii_isspace(static_cast<unsigned char>(in_[pos_]))) {
      ++pos_;
    }
    if (pos_ >= in_.size()) return Token{Tok::kEnd, ""};
    const char c = in_[pos_];
    switch (c) {
      case '[':
        ++pos_;
        return Token{Tok::kOpenBracket, "["};
      case ']':
        ++pos_;
        return Token{Tok::kCloseBracket, "]"};
      case '(':
        ++pos_;
        return Token{Tok::kOpenParen, "("};
      case ')':
        ++pos_;
        return Token{Tok::kCloseParen, ")"};
      case '\'': {
        auto s = ReadString();
        if (!s.ok()) return s.status();
        return Token{Tok::kString, *std::move(s)};
      }
      case '=':
      case '!':
      case '<':
      case '>': {
        std::string op(1, c);
        ++pos_;
        if (pos_ < in_.size() && in_[pos_] == '=') {
          op.push_back('=');
          ++pos_;
        }
        return Token{Tok::kOperator, op};
      }
      default:
        break;
    }
    if (absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-') {
      const size_t start = pos_++;
      while (pos_ < in_.size() &&
             (absl::ascii_isdigit(static_cast<unsigned char>(in_[pos_])) ||
              in_[pos_] == '.')) {
        ++pos_;
      }
      return Token{Tok::kNumber, std::string(in_.substr(start, pos_ - start))};
    }
    if (absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_') {
      // A keyword or an object path: type:prop.prop.'quoted'.prop[*]
      std::string word;
      while (pos_ < in_.size()) {
        const char d = in_[pos_];
        if (absl::ascii_isalnum(static_cast<unsigned char>(d)) || d == '-' ||
            d == '_' || d == ':' || d == '.' || d == '*') {
          word.push_back(d);
          ++pos_;
        } else if (d == '\'' && !word.empty() && word.back() == '.') {
          auto s = ReadString();
          if (!s.ok()) return s.status();
          absl::StrAppend(&word, "'", *s, "'");
        } else if (d == '[' && pos_ + 2 < in_.size() && in_[pos_ + 2] == ']') {
          // list index in a path: [*] or [0]
          absl::StrAppend(&word, in_.substr(pos_, 3));
          pos_ += 3;
        } else {
          break;
        }
      }
      // A typed literal such as t'2020-01-01T00:00:00Z' or h'ab'.
      if ((word == "t" || word == "h" || word == "b") && pos_ < in_.size() &&
          in_[pos_] == '\'') {
        auto s = ReadString();
        if (!s.ok()) return s.status();
        return Token{Tok::kString, *std::move(s)};
      }
      return Token{Tok::kWord, std::move(word)};
    }
    return absl::InvalidArgumentError(
        absl::StrCat("pattern: unexpected character '", std::string(1, c),
                     "' at offset ", pos_));
  }

 private:
  absl::StatusOr<std::string> ReadString() {
    const size_t start = pos_++;
    std::string out;
    while (pos_ < in_.size()) {
      const char c = in_[pos_++];
      if (c == '\\') {
        if (pos_ >= in_.size()) break;
        out.push_back(in_[pos_++]);
      } else if (c == '\'') {
        return out;
      } else {
        out.push_back(c);
      }
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "pattern: unterminated string starting at offset ", start));
  }

  absl::string_view in_;
  size_t pos_ = 0;
};

// Our type for an object path and literal, or an error naming the path.
absl::StatusOr<PatternTerm> TermFor(const std::string& path,
                                    const Token& literal) {
  const std::string p = absl::AsciiStrToLower(path);
  const std::string& v = literal.text;
  auto need_string = [&]() -> absl::Status {
    if (literal.kind != Tok::kString) {
      return absl::InvalidArgumentError(
          absl::StrCat("pattern: ", path, " needs a string literal"));
    }
    return absl::OkStatus();
  };
  if (p == "ipv4-addr:value" || p == "ipv6-addr:value") {
    if (absl::Status s = need_string(); !s.ok()) return s;
    const bool v6 = p[3] == '6';
    if (v.find('/') != std::string::npos) return PatternTerm{"cidr", v};
    return PatternTerm{v6 ? "ipv6" : "ipv4", v};
  }
  struct Simple {
    const char* path;
    const char* type;
  };
  static constexpr Simple kSimple[] = {
      {"domain-name:value", "domain"},
      {"url:value", "url"},
      {"email-addr:value", "email"},
      {"email-message:from_ref.value", "email"},
      {"email-message:sender_ref.value", "email"},
      {"file:hashes.'sha-256'", "sha256"},
      {"file:hashes.sha256", "sha256"},
      {"file:hashes.'sha256'", "sha256"},
      {"file:hashes.md5", "md5"},
      {"file:hashes.'md5'", "md5"},
      {"file:hashes.'sha-1'", "sha1"},
      {"file:hashes.sha1", "sha1"},
      {"file:hashes.'sha1'", "sha1"},
      {"file:hashes.'sha-512'", "sha512"},
      {"file:hashes.sha512", "sha512"},
      {"file:hashes.'sha512'", "sha512"},
  };
  for (const Simple& s : kSimple) {
    if (p == s.path) {
      if (absl::Status st = need_string(); !st.ok()) return st;
      return PatternTerm{s.type, v};
    }
  }
  if (p == "autonomous-system:number") {
    if (literal.kind != Tok::kNumber && literal.kind != Tok::kString) {
      return absl::InvalidArgumentError(
          "pattern: autonomous-system:number needs a number");
    }
    return PatternTerm{"asn", v};
  }
  return absl::InvalidArgumentError(
      absl::StrCat("pattern: object path ", path, " is not supported"));
}

bool IsKeyword(const Token& t, absl::string_view k) {
  return t.kind == Tok::kWord && absl::EqualsIgnoreCase(t.text, k);
}

}  // namespace

std::string PatternFor(v1::IndicatorType type, absl::string_view value) {
  switch (type) {
    case v1::IPV4:
      return absl::StrCat("[ipv4-addr:value = ", Quote(value), "]");
    case v1::IPV6:
      return absl::StrCat("[ipv6-addr:value = ", Quote(value), "]");
    case v1::CIDR:
      return absl::StrCat(value.find(':') != absl::string_view::npos
                              ? "[ipv6-addr:value = "
                              : "[ipv4-addr:value = ",
                          Quote(value), "]");
    case v1::DOMAIN:
      return absl::StrCat("[domain-name:value = ", Quote(value), "]");
    case v1::URL:
      return absl::StrCat("[url:value = ", Quote(value), "]");
    case v1::EMAIL:
      return absl::StrCat("[email-addr:value = ", Quote(value), "]");
    case v1::MD5:
      return absl::StrCat("[file:hashes.MD5 = ", Quote(value), "]");
    case v1::SHA1:
      return absl::StrCat("[file:hashes.'SHA-1' = ", Quote(value), "]");
    case v1::SHA256:
      return absl::StrCat("[file:hashes.'SHA-256' = ", Quote(value), "]");
    case v1::SHA512:
      return absl::StrCat("[file:hashes.'SHA-512' = ", Quote(value), "]");
    case v1::ASN:
      return absl::StrCat("[autonomous-system:number = ", value, "]");
    default:
      return "";
  }
}

absl::StatusOr<std::vector<PatternTerm>> ParsePattern(
    absl::string_view pattern) {
  if (pattern.size() > kMaxPatternBytes) {
    return absl::InvalidArgumentError("pattern: longer than 1 MiB");
  }
  Scanner scan(pattern);
  std::vector<PatternTerm> terms;
  // Only OR joins terms, so grouping by parentheses does not change the
  // meaning: they are checked for balance and otherwise skipped.
  int brackets = 0, parens = 0;
  bool expect_term = true;
  while (true) {
    auto tok = scan.Next();
    if (!tok.ok()) return tok.status();
    switch (tok->kind) {
      case Tok::kEnd:
        if (brackets != 0 || parens != 0 || expect_term) {
          return absl::InvalidArgumentError("pattern: incomplete expression");
        }
        if (terms.empty()) return absl::InvalidArgumentError("pattern: empty");
        return terms;
      case Tok::kOpenBracket:
        if (brackets > 0 || !expect_term) {
          return absl::InvalidArgumentError("pattern: misplaced '['");
        }
        ++brackets;
        break;
      case Tok::kCloseBracket:
        if (brackets == 0 || expect_term) {
          return absl::InvalidArgumentError("pattern: misplaced ']'");
        }
        --brackets;
        break;
      case Tok::kOpenParen:
        if (!expect_term) {
          return absl::InvalidArgumentError("pattern: misplaced '('");
        }
        ++parens;
        break;
      case Tok::kCloseParen:
        if (parens == 0 || expect_term) {
          return absl::InvalidArgumentError("pattern: misplaced ')'");
        }
        --parens;
        break;
      case Tok::kWord: {
        if (IsKeyword(*tok, "OR")) {
          if (expect_term) {
            return absl::InvalidArgumentError("pattern: misplaced OR");
          }
          expect_term = true;
          break;
        }
        for (const char* k : {"AND", "FOLLOWEDBY", "NOT"}) {
          if (IsKeyword(*tok, k)) {
            return absl::InvalidArgumentError(absl::StrCat(
                "pattern: ", k,
                " is not supported (only equality comparisons joined by OR)"));
          }
        }
        for (const char* k : {"WITHIN", "REPEATS", "START", "STOP"}) {
          if (IsKeyword(*tok, k)) {
            return absl::InvalidArgumentError(
                absl::StrCat("pattern: qualifier ", k, " is not supported"));
          }
        }
        if (!expect_term || brackets == 0) {
          return absl::InvalidArgumentError(absl::StrCat(
              "pattern: unexpected '", tok->text, "' outside a comparison"));
        }
        const std::string path = tok->text;
        auto op = scan.Next();
        if (!op.ok()) return op.status();
        if (op->kind != Tok::kOperator || op->text != "=") {
          return absl::InvalidArgumentError(absl::StrCat(
              "pattern: operator ", op->text.empty() ? "(none)" : op->text,
              " is not supported (only =)"));
        }
        auto literal = scan.Next();
        if (!literal.ok()) return literal.status();
        if (literal->kind != Tok::kString && literal->kind != Tok::kNumber) {
          return absl::InvalidArgumentError(
              absl::StrCat("pattern: expected a literal after ", path, " ="));
        }
        auto term = TermFor(path, *literal);
        if (!term.ok()) return term.status();
        if (terms.size() >= kMaxTerms) {
          return absl::InvalidArgumentError("pattern: too many terms");
        }
        terms.push_back(*std::move(term));
        expect_term = false;
        break;
      }
      case Tok::kOperator:
        return absl::InvalidArgumentError(
            absl::StrCat("pattern: misplaced operator ", tok->text));
      case Tok::kString:
      case Tok::kNumber:
        return absl::InvalidArgumentError(
            absl::StrCat("pattern: misplaced literal '", tok->text, "'"));
    }
  }
}

}  // namespace csx::stix
