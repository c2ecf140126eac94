// Reads MISP event JSON for `csx submit --format misp`: {"Event": {...}}, a
// bare event, a list of either, or a REST search response
// {"response": [{"Event": ...}, ...]}. Attributes come from Event.Attribute
// and Event.Object[].Attribute. The mapping (docs/formats.md):
//
//   ip-src, ip-dst (and |port)      ipv4 / ipv6, or cidr with a prefix
//   domain, hostname (and |port)    domain
//   domain|ip                       a domain and an ip
//   url                             url
//   email, email-src, email-dst     email
//   md5, sha1, sha256, sha512,      the hash
//     filename|<hash>
//   vulnerability                   cve
//   AS                              asn
//   anything else                   skipped, counted by type
//
// TLP: the attribute's tlp:* tag, else the event's, else from distribution
// (attribute 5 = the event's): 0 your organisation only -> AMBER+STRICT,
// 1 this community -> AMBER, 2 connected communities -> GREEN, 3 all
// communities -> GREEN, 4 sharing group -> AMBER. Attributes with
// to_ids=false (context, not for detection) and deleted ones are skipped and
// counted. Other tags (event's and attribute's) become tags; the comment
// (else the event's info) the description; threat_level_id 1/2/3 the
// severity high/medium/low; first_seen/last_seen are kept.
#ifndef CSX_CLIENT_FORMATS_MISP_READER_H_
#define CSX_CLIENT_FORMATS_MISP_READER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/formats/input_record.h"

namespace csx::formats {

absl::StatusOr<ImportResult> ReadMisp(absl::string_view content);

}  // namespace csx::formats

#endif  // CSX_CLIENT_FORMATS_MISP_READER_H_
