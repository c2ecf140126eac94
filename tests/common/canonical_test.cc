// Table-driven tests of canonical forms: at least 15 valid and 15 invalid
// inputs per family.
#include "common/canonical.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/status_matchers.h"

namespace csx {
namespace {

using ::csx::testing::StatusIs;
using ::testing::HasSubstr;

struct Valid {
  v1::IndicatorType type;
  std::string in, out;
};
struct Invalid {
  v1::IndicatorType type;
  std::string in, reason;
};

void CheckValid(const std::vector<Valid>& cases) {
  for (const auto& c : cases) {
    auto got = Canonicalize(c.type, c.in);
    ASSERT_TRUE(got.ok()) << IndicatorTypeName(c.type) << " '" << c.in
                          << "': " << got.status();
    EXPECT_EQ(*got, c.out) << IndicatorTypeName(c.type) << " '" << c.in << "'";
    // Canonical forms are fixed points.
    auto again = Canonicalize(c.type, *got);
    ASSERT_TRUE(again.ok()) << *got;
    EXPECT_EQ(*again, *got);
  }
}

void CheckInvalid(const std::vector<Invalid>& cases) {
  for (const auto& c : cases) {
    EXPECT_THAT(
        Canonicalize(c.type, c.in),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.reason)))
        << IndicatorTypeName(c.type) << " '" << c.in << "'";
  }
}

TEST(CanonicalTest, IpAndCidrValid) {
  CheckValid({
      {v1::IPV4, "192.0.2.1", "192.0.2.1"},
      {v1::IPV4, " 10.0.0.1\t", "10.0.0.1"},
      {v1::IPV4, "0.0.0.0", "0.0.0.0"},
      {v1::IPV4, "255.255.255.255", "255.255.255.255"},
      {v1::IPV6, "2001:DB8::1", "2001:db8::1"},
      {v1::IPV6, "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
      {v1::IPV6, "::1", "::1"},
      {v1::IPV6, "fe80:0:0:0:0:0:0:1", "fe80::1"},
      {v1::IPV6, "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
      {v1::IPV6, "::ffff:192.0.2.1", "::ffff:192.0.2.1"},
      {v1::CIDR, "10.1.2.3/8", "10.0.0.0/8"},
      {v1::CIDR, "192.168.1.77/24", "192.168.1.0/24"},
      {v1::CIDR, "0.0.0.0/0", "0.0.0.0/0"},
      {v1::CIDR, "203.0.113.9/32", "203.0.113.9/32"},
      {v1::CIDR, "2001:DB8::FFFF/32", "2001:db8::/32"},
      {v1::CIDR, "2001:db8:abcd:12::1/64", "2001:db8:abcd:12::/64"},
      {v1::CIDR, "::/0", "::/0"},
  });
}

TEST(CanonicalTest, IpAndCidrInvalid) {
  CheckInvalid({
      {v1::IPV4, "256.1.1.1", "invalid ipv4"},
      {v1::IPV4, "1.2.3", "invalid ipv4"},
      {v1::IPV4, "1.2.3.4.5", "invalid ipv4"},
      {v1::IPV4, "01.2.3.4", "invalid ipv4"},
      {v1::IPV4, "1.2.3.-4", "invalid ipv4"},
      {v1::IPV4, "2001:db8::1", "invalid ipv4"},
      {v1::IPV4, "example.com", "invalid ipv4"},
      {v1::IPV4, "1.2.3.4/24", "invalid ipv4"},
      {v1::IPV4, "", "empty"},
      {v1::IPV6, "192.0.2.1", "invalid ipv6"},
      {v1::IPV6, "2001:db8:::1", "invalid ipv6"},
      {v1::IPV6, "fe80::1%eth0", "invalid ipv6"},
      {v1::IPV6, "2001:db8::g", "invalid ipv6"},
      {v1::IPV6, "1:2:3:4:5:6:7:8:9", "invalid ipv6"},
      {v1::CIDR, "10.0.0.0", "no prefix length"},
      {v1::CIDR, "10.0.0.0/33", "prefix length"},
      {v1::CIDR, "10.0.0.0/-1", "prefix length"},
      {v1::CIDR, "2001:db8::/129", "prefix length"},
      {v1::CIDR, "10.0.0.0/08", "prefix length"},
      {v1::CIDR, "10.0.0/8", "invalid"},
  });
}

TEST(CanonicalTest, DomainValid) {
  CheckValid({
      {v1::DOMAIN, "example.com", "example.com"},
      {v1::DOMAIN, "EXAMPLE.COM", "example.com"},
      {v1::DOMAIN, "www.Example.com.", "www.example.com"},
      {v1::DOMAIN, "a.b.c.d.example.org", "a.b.c.d.example.org"},
      {v1::DOMAIN, "bücher.de", "xn--bcher-kva.de"},
      {v1::DOMAIN, "BÜCHER.de", "xn--bcher-kva.de"},
      {v1::DOMAIN, "例え.テスト", "xn--r8jz45g.xn--zckzah"},
      {v1::DOMAIN, "münchen.example", "xn--mnchen-3ya.example"},
      {v1::DOMAIN, "xn--bcher-kva.de", "xn--bcher-kva.de"},
      {v1::DOMAIN, "XN--BCHER-KVA.DE", "xn--bcher-kva.de"},
      {v1::DOMAIN, "_dmarc.example.com", "_dmarc.example.com"},
      {v1::DOMAIN, "123.example.com", "123.example.com"},
      {v1::DOMAIN, "a-b.example", "a-b.example"},
      {v1::DOMAIN, "mañana.cl", "xn--maana-pta.cl"},
      {v1::DOMAIN, std::string(63, 'a') + ".com",
       std::string(63, 'a') + ".com"},
      {v1::DOMAIN, "gob.cl", "gob.cl"},
  });
}

TEST(CanonicalTest, DomainInvalid) {
  CheckInvalid({
      {v1::DOMAIN, "localhost", "single label"},
      {v1::DOMAIN, "com.", "single label"},
      {v1::DOMAIN, "1.2.3.4", "numeric top-level"},
      {v1::DOMAIN, "-bad.example", "starts or ends with '-'"},
      {v1::DOMAIN, "bad-.example", "starts or ends with '-'"},
      {v1::DOMAIN, "a..example", "empty label"},
      {v1::DOMAIN, ".example.com", "empty label"},
      {v1::DOMAIN, std::string(64, 'a') + ".com", "longer than 63"},
      {v1::DOMAIN, "exa mple.com", "invalid character"},
      {v1::DOMAIN, "example!.com", "invalid character"},
      {v1::DOMAIN, "ex/ample.com", "invalid character"},
      {v1::DOMAIN, "http://example.com", "invalid character"},
      {v1::DOMAIN, "user@example.com", "invalid character"},
      {v1::DOMAIN, ".", "empty"},
      {v1::DOMAIN, "a.b." + std::string(250, 'c'), "longer than"},
      {v1::DOMAIN, "\xff\xfe.com", "internationalised"},
  });
}

TEST(CanonicalTest, UrlValid) {
  CheckValid({
      {v1::URL, "http://example.com/", "http://example.com/"},
      {v1::URL, "HTTP://Example.COM", "http://example.com/"},
      {v1::URL, "http://example.com:80/a", "http://example.com/a"},
      {v1::URL, "https://example.com:443/a?b=c", "https://example.com/a?b=c"},
      {v1::URL, "https://example.com:8443/x", "https://example.com:8443/x"},
      {v1::URL, "http://example.com/Path/Case", "http://example.com/Path/Case"},
      {v1::URL, "http://example.com/a#frag", "http://example.com/a"},
      {v1::URL, "http://192.0.2.1/x", "http://192.0.2.1/x"},
      {v1::URL, "http://[2001:DB8::1]:8080/x", "http://[2001:db8::1]:8080/x"},
      {v1::URL, "http://bücher.de/", "http://xn--bcher-kva.de/"},
      {v1::URL, "ftp://files.example.org:21/pub",
       "ftp://files.example.org/pub"},
      {v1::URL, "http://user:pw@example.com/", "http://user:pw@example.com/"},
      {v1::URL, "http://example.com?q=1", "http://example.com/?q=1"},
      {v1::URL, "hxxp://example.com/a", "hxxp://example.com/a"},
      {v1::URL, "http://example.com./a", "http://example.com/a"},
      {v1::URL, "svn+ssh://example.com/repo", "svn+ssh://example.com/repo"},
  });
}

TEST(CanonicalTest, UrlInvalid) {
  CheckInvalid({
      {v1::URL, "example.com/path", "not an absolute URL"},
      {v1::URL, "://example.com", "not an absolute URL"},
      {v1::URL, "http:/example.com", "not an absolute URL"},
      {v1::URL, "http://", "no host"},
      {v1::URL, "http:///path", "no host"},
      {v1::URL, "http://exa mple.com/", "space"},
      {v1::URL, "http://example.com/a b", "space"},
      {v1::URL, "1http://example.com/", "scheme"},
      {v1::URL, "ht_tp://example.com/", "scheme"},
      {v1::URL, "http://example.com:0/", "port"},
      {v1::URL, "http://example.com:99999/", "port"},
      {v1::URL, "http://example.com:8a/", "port"},
      {v1::URL, "http://[2001:db8::1/", "unclosed"},
      {v1::URL, "http://[192.0.2.1]/", "IPv6"},
      {v1::URL, "http://-bad.example/", "URL host"},
      {v1::URL, "http://localhost/", "URL host"},
      {v1::URL, "http://" + std::string(9000, 'a') + ".com/", "longer than"},
  });
}

TEST(CanonicalTest, EmailValid) {
  CheckValid({
      {v1::EMAIL, "user@example.com", "user@example.com"},
      {v1::EMAIL, "User@Example.COM", "User@example.com"},
      {v1::EMAIL, "first.last@example.org.", "first.last@example.org"},
      {v1::EMAIL, "a+tag@example.net", "a+tag@example.net"},
      {v1::EMAIL, "x@bücher.de", "x@xn--bcher-kva.de"},
      {v1::EMAIL, " phisher@evil.example ", "phisher@evil.example"},
      {v1::EMAIL, "o'brien@example.ie", "o'brien@example.ie"},
      {v1::EMAIL, "1234@example.com", "1234@example.com"},
      {v1::EMAIL, "a_b-c@sub.example.co.uk", "a_b-c@sub.example.co.uk"},
      {v1::EMAIL, "UPPER@UPPER.CL", "UPPER@upper.cl"},
      {v1::EMAIL, "x@a.b.c.example", "x@a.b.c.example"},
      {v1::EMAIL, std::string(64, 'l') + "@example.com",
       std::string(64, 'l') + "@example.com"},
      {v1::EMAIL, "ñandú@example.cl", "ñandú@example.cl"},
      {v1::EMAIL, "\"quoted\"@example.com", "\"quoted\"@example.com"},
      {v1::EMAIL, "soporte@csirt.gob.cl", "soporte@csirt.gob.cl"},
  });
}

TEST(CanonicalTest, EmailInvalid) {
  CheckInvalid({
      {v1::EMAIL, "userexample.com", "no '@'"},
      {v1::EMAIL, "@example.com", "local part"},
      {v1::EMAIL, std::string(65, 'l') + "@example.com", "local part"},
      {v1::EMAIL, "us er@example.com", "local part"},
      {v1::EMAIL, "a@b@example.com", "local part"},
      {v1::EMAIL, "user@", "email domain"},
      {v1::EMAIL, "user@localhost", "email domain"},
      {v1::EMAIL, "user@[192.0.2.1]", "email domain"},
      {v1::EMAIL, "user@-bad.example", "email domain"},
      {v1::EMAIL, "user@exa mple.com", "email domain"},
      {v1::EMAIL, "user@1.2.3.4", "email domain"},
      {v1::EMAIL, "user@example..com", "email domain"},
      {v1::EMAIL, "user\t1@example.com", "local part"},
      {v1::EMAIL, "user@example.com/x", "email domain"},
      {v1::EMAIL, "", "empty"},
  });
}

TEST(CanonicalTest, HashesValidAndInvalid) {
  const std::string md5 = "d41d8cd98f00b204e9800998ecf8427e";
  const std::string sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
  const std::string sha256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  const std::string sha512 = std::string(128, 'a');
  auto upper = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(toupper(c));
    return s;
  };
  CheckValid({
      {v1::MD5, md5, md5},
      {v1::MD5, upper(md5), md5},
      {v1::MD5, " " + md5 + " ", md5},
      {v1::MD5, std::string(32, '0'), std::string(32, '0')},
      {v1::SHA1, sha1, sha1},
      {v1::SHA1, upper(sha1), sha1},
      {v1::SHA1, std::string(40, 'F'), std::string(40, 'f')},
      {v1::SHA256, sha256, sha256},
      {v1::SHA256, upper(sha256), sha256},
      {v1::SHA256, std::string(64, '9'), std::string(64, '9')},
      {v1::SHA256, "\t" + sha256, sha256},
      {v1::SHA512, sha512, sha512},
      {v1::SHA512, std::string(128, 'B'), std::string(128, 'b')},
      {v1::SHA512, std::string(64, '0') + std::string(64, 'e'),
       std::string(64, '0') + std::string(64, 'e')},
      {v1::MD5, "0123456789ABCDEF0123456789abcdef",
       "0123456789abcdef0123456789abcdef"},
  });
  CheckInvalid({
      {v1::MD5, md5.substr(1), "must be 32"},
      {v1::MD5, md5 + "0", "must be 32"},
      {v1::MD5, std::string(31, 'a') + "g", "non-hex"},
      {v1::MD5, sha1, "must be 32"},
      {v1::SHA1, md5, "must be 40"},
      {v1::SHA1, std::string(39, 'a') + "z", "non-hex"},
      {v1::SHA1, std::string(41, 'a'), "must be 40"},
      {v1::SHA256, sha1, "must be 64"},
      {v1::SHA256, sha256.substr(2), "must be 64"},
      {v1::SHA256, std::string(63, 'a') + "-", "non-hex"},
      {v1::SHA256, "0x" + sha256.substr(2), "non-hex"},
      {v1::SHA512, sha256, "must be 128"},
      {v1::SHA512, std::string(127, 'a') + " ", "must be 128"},
      {v1::SHA512, std::string(127, 'a') + "q", "non-hex"},
      {v1::SHA256, std::string(32, 'a') + " " + std::string(31, 'a'),
       "non-hex"},
  });
}

TEST(CanonicalTest, CveValidAndInvalid) {
  CheckValid({
      {v1::CVE, "CVE-2024-3094", "CVE-2024-3094"},
      {v1::CVE, "cve-2024-3094", "CVE-2024-3094"},
      {v1::CVE, "Cve-2021-44228", "CVE-2021-44228"},
      {v1::CVE, "CVE-1999-0001", "CVE-1999-0001"},
      {v1::CVE, "CVE-2023-1234567", "CVE-2023-1234567"},
      {v1::CVE, " CVE-2014-0160 ", "CVE-2014-0160"},
      {v1::CVE, "CVE-2017-0144", "CVE-2017-0144"},
      {v1::CVE, "CVE-2019-19781", "CVE-2019-19781"},
      {v1::CVE, "CVE-2100-0000", "CVE-2100-0000"},
      {v1::CVE, "cve-2020-1472", "CVE-2020-1472"},
      {v1::CVE, "CVE-2022-22965", "CVE-2022-22965"},
      {v1::CVE, "CVE-2018-13379", "CVE-2018-13379"},
      {v1::CVE, "CVE-2023-4966", "CVE-2023-4966"},
      {v1::CVE, "CVE-2021-26855", "CVE-2021-26855"},
      {v1::CVE, "CVE-2024-21762", "CVE-2024-21762"},
  });
  CheckInvalid({
      {v1::CVE, "CVE-2024-123", "not a CVE id"},
      {v1::CVE, "CVE-24-1234", "not a CVE id"},
      {v1::CVE, "CVE2024-1234", "not a CVE id"},
      {v1::CVE, "CAN-2024-1234", "not a CVE id"},
      {v1::CVE, "CVE-2024-12a4", "not a CVE id"},
      {v1::CVE, "CVE-2024-", "not a CVE id"},
      {v1::CVE, "CVE--2024-1234", "not a CVE id"},
      {v1::CVE, "CVE-1998-1234", "out of range"},
      {v1::CVE, "CVE-2101-1234", "out of range"},
      {v1::CVE, "2024-1234", "not a CVE id"},
      {v1::CVE, "CVE-2024-1234-1", "not a CVE id"},
      {v1::CVE, "CVE 2024 1234", "not a CVE id"},
      {v1::CVE, "CVE-2024-12345678901234567890", "not a CVE id"},
      {v1::CVE, "GHSA-xxxx-yyyy", "not a CVE id"},
      {v1::CVE, "CVE-202A-1234", "not a CVE id"},
  });
}

TEST(CanonicalTest, AsnValidAndInvalid) {
  CheckValid({
      {v1::ASN, "AS64500", "64500"},
      {v1::ASN, "as64500", "64500"},
      {v1::ASN, "64500", "64500"},
      {v1::ASN, "AS065000", "65000"},
      {v1::ASN, "1", "1"},
      {v1::ASN, "AS4294967295", "4294967295"},
      {v1::ASN, "AS1.10", "65546"},
      {v1::ASN, "0.1", "1"},
      {v1::ASN, " AS13335 ", "13335"},
      {v1::ASN, "As15169", "15169"},
      {v1::ASN, "27651", "27651"},
      {v1::ASN, "AS65535.65535", "4294967295"},
      {v1::ASN, "AS3356", "3356"},
      {v1::ASN, "AS22047", "22047"},
      {v1::ASN, "0000001", "1"},
  });
  CheckInvalid({
      {v1::ASN, "AS0", "out of range"},
      {v1::ASN, "0", "out of range"},
      {v1::ASN, "AS4294967296", "out of range"},
      {v1::ASN, "AS", "not an AS number"},
      {v1::ASN, "ASN64500", "not an AS number"},
      {v1::ASN, "AS-1", "not an AS number"},
      {v1::ASN, "AS64500a", "not an AS number"},
      {v1::ASN, "64 500", "not an AS number"},
      {v1::ASN, "AS1.65536", "not an AS number"},
      {v1::ASN, "AS65536.1", "not an AS number"},
      {v1::ASN, "AS1.", "not an AS number"},
      {v1::ASN, "AS.1", "not an AS number"},
      {v1::ASN, "AS99999999999", "not an AS number"},
      {v1::ASN, "0x10", "not an AS number"},
      {v1::ASN, "AS1.2.3", "not an AS number"},
  });
}

TEST(CanonicalTest, TypeNames) {
  for (int t = v1::IndicatorType_MIN + 1; t <= v1::IndicatorType_MAX; ++t) {
    auto type = static_cast<v1::IndicatorType>(t);
    auto parsed = ParseIndicatorType(IndicatorTypeName(type));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, type);
  }
  EXPECT_EQ(*ParseIndicatorType("SHA256"), v1::SHA256);
  EXPECT_THAT(ParseIndicatorType("hash"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("type: unknown type 'hash'")));
}

}  // namespace
}  // namespace csx
