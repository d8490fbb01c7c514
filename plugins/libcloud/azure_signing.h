// Azure Storage Shared Key signing (the "SharedKey" scheme of the Blob
// service, API versions 2015-02-21 and later).
//
// The string to sign is the verb, the twelve standard header slots (with a
// Content-Length of 0 signed as empty), the canonicalized x-ms-* headers and
// the canonicalized resource: "/" + account + the URL path exactly as it is
// sent (percent-encoded; an emulator's path already starts with the account),
// then one "\nname:value" line per query parameter, names lower-cased and
// sorted, values decoded. The signature is the base64 of HMAC-SHA256 with the
// base64-decoded account key.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cairn/http/client.h"

namespace libcloud {

struct SharedKeyRequest {
  std::string method;
  std::string encoded_path;  // as on the wire: "/devstoreaccount1/ckpt/a%20b.pt"
  std::vector<std::pair<std::string, std::string>> query;  // raw (decoded) names and values
  cairn::http::Headers headers;  // every header that is sent, Content-Length included
};

std::string shared_key_string_to_sign(const SharedKeyRequest& request, const std::string& account);

// "SharedKey account:signature"; `account_key` is the raw (decoded) key.
std::string shared_key_authorization(const SharedKeyRequest& request, const std::string& account,
                                     const std::string& account_key);

// The x-ms-date value for now: "Mon, 02 Jan 2006 15:04:05 GMT".
std::string rfc1123_date_now();

}  // namespace libcloud
