// JSON value helpers of the mapping engine: messages, typed comparison, and the payload hash.
#include "mapping.hpp"
#include "mapping_detail.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/serializer.hpp>

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace switchboard::mapping {

namespace json = boost::json;

namespace detail {

std::string error_text(std::string_view mapping_name, std::string_view pointer,
                       std::string_view reason) {
  if (pointer.empty()) return fmt::format("mapping \"{}\": {}", mapping_name, reason);
  return fmt::format("mapping \"{}\": {}: {}", mapping_name, pointer, reason);
}

void fail(std::string_view mapping_name, std::string_view pointer, std::string_view reason) {
  throw mapping_error(error_text(mapping_name, pointer, reason));
}

std::string pointer_token(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (const char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view kind_name(const json::value& v) noexcept {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "number";
    case json::kind::string:
      return "string";
    case json::kind::array:
      return "array";
    case json::kind::object:
      break;
  }
  return "object";
}

std::string describe(const json::value& v) {
  constexpr std::size_t max_length = 80;
  if (v.is_double()) {
    // Boost.JSON writes 1.0 as "1E0"; people write "1.0".
    std::string text = fmt::format("{}", v.get_double());
    if (text.find_first_not_of("-0123456789") == std::string::npos) text += ".0";
    return text;
  }
  std::string text = json::serialize(v);
  if (text.size() <= max_length) return text;
  std::size_t cut = max_length - 3;
  // Do not split a UTF-8 sequence: back up over continuation bytes.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) --cut;
  text.resize(cut);
  text += "…";
  return text;
}

std::string kind_and_value(const json::value& v) {
  if (v.is_null()) return "null";
  return fmt::format("{} {}", kind_name(v), describe(v));
}

bool is_number(const json::value& v) noexcept {
  return v.is_int64() || v.is_uint64() || v.is_double();
}

bool is_scalar(const json::value& v) noexcept {
  return v.is_null() || v.is_bool() || v.is_string() || is_number(v);
}

namespace {

// long double holds every int64 and uint64 exactly on the platforms we build for (x86-64:
// 64-bit mantissa), so mixed comparisons need no special cases.
long double number_of(const json::value& v) noexcept {
  if (v.is_int64()) return static_cast<long double>(v.get_int64());
  if (v.is_uint64()) return static_cast<long double>(v.get_uint64());
  return static_cast<long double>(v.get_double());
}

template <typename T>
int order(const T& a, const T& b) noexcept {
  if (a < b) return -1;
  if (b < a) return 1;
  return 0;
}

}  // namespace

bool same_value(const json::value& a, const json::value& b) noexcept {
  if (is_number(a) && is_number(b)) {
    if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
    if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
    return number_of(a) == number_of(b);
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case json::kind::null:
      return true;
    case json::kind::bool_:
      return a.get_bool() == b.get_bool();
    case json::kind::string:
      return a.get_string() == b.get_string();
    case json::kind::array: {
      const auto& x = a.get_array();
      const auto& y = b.get_array();
      return std::equal(
          x.begin(), x.end(), y.begin(), y.end(),
          [](const json::value& l, const json::value& r) { return same_value(l, r); });
    }
    case json::kind::object: {
      const auto& x = a.get_object();
      const auto& y = b.get_object();
      if (x.size() != y.size()) return false;
      return std::all_of(x.begin(), x.end(), [&y](const json::key_value_pair& kv) {
        const auto* other = y.if_contains(kv.key());
        return other != nullptr && same_value(kv.value(), *other);
      });
    }
    default:
      return false;
  }
}

std::optional<int> compare_values(const json::value& a, const json::value& b) noexcept {
  if (is_number(a) && is_number(b)) {
    if (a.is_int64() && b.is_int64()) return order(a.get_int64(), b.get_int64());
    return order(number_of(a), number_of(b));
  }
  if (a.is_string() && b.is_string()) {
    return order(std::string_view(a.get_string()), std::string_view(b.get_string()));
  }
  return std::nullopt;
}

}  // namespace detail

namespace {

// Canonical JSON: object keys sorted byte-wise at every level, no whitespace, numbers as
// Boost.JSON prints them (integers in decimal, doubles in its shortest round-trip form), so
// equal payloads hash equally whatever order their fields were inserted in. Keys and scalars
// are printed by one serializer straight into `out` (no string per value: this runs for every
// record written).
class canonical_writer {
 public:
  explicit canonical_writer(std::string& out) : out_(out) {}

  void object(const json::object& o) {
    std::vector<const json::key_value_pair*> members;
    members.reserve(o.size());
    for (const auto& kv : o) members.push_back(&kv);
    std::sort(members.begin(), members.end(),
              [](const json::key_value_pair* l, const json::key_value_pair* r) {
                return l->key() < r->key();
              });
    out_ += '{';
    bool first = true;
    for (const auto* kv : members) {
      if (!first) out_ += ',';
      first = false;
      serializer_.reset(json::string_view(kv->key()));
      drain();
      out_ += ':';
      value(kv->value());
    }
    out_ += '}';
  }

  void value(const json::value& v) {
    switch (v.kind()) {
      case json::kind::object:
        object(v.get_object());
        return;
      case json::kind::array: {
        out_ += '[';
        bool first = true;
        for (const auto& e : v.get_array()) {
          if (!first) out_ += ',';
          first = false;
          value(e);
        }
        out_ += ']';
        return;
      }
      default:
        serializer_.reset(&v);
        drain();
    }
  }

 private:
  void drain() {
    char buffer[256];
    while (!serializer_.done()) {
      const auto part = serializer_.read(buffer, sizeof buffer);
      out_.append(part.data(), part.size());
    }
  }

  std::string& out_;
  json::serializer serializer_;
};

}  // namespace

struct payload_hasher::impl {
  impl() : fetched(EVP_MD_fetch(nullptr, "SHA256", nullptr)), context(EVP_MD_CTX_new()) {
    if (context == nullptr) throw std::runtime_error("payload_hash: no digest context");
  }
  ~impl() {
    EVP_MD_CTX_free(context);
    EVP_MD_free(fetched);
  }
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;

  /// Fetched once: EVP_sha256() would be looked up in the provider on every digest.
  EVP_MD* fetched;
  EVP_MD_CTX* context;
  std::string text;
};

payload_hasher::payload_hasher() : impl_(std::make_unique<impl>()) {}

payload_hasher::~payload_hasher() = default;

std::string payload_hasher::operator()(const json::object& payload) {
  auto& text = impl_->text;
  text.clear();
  canonical_writer(text).object(payload);
  const EVP_MD* sha256 = impl_->fetched != nullptr ? impl_->fetched : EVP_sha256();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestInit_ex(impl_->context, sha256, nullptr) != 1 ||
      EVP_DigestUpdate(impl_->context, text.data(), text.size()) != 1 ||
      EVP_DigestFinal_ex(impl_->context, digest, &length) != 1) {
    throw std::runtime_error("payload_hash: SHA-256 digest failed");
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4U];
    out += hex[digest[i] & 0x0FU];
  }
  return out;
}

std::string payload_hash(const json::object& payload) { return payload_hasher()(payload); }

}  // namespace switchboard::mapping
