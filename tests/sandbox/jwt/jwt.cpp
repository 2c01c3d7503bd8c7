// Base64url, JWS parsing and certificate-based signature verification with OpenSSL 3.
#include "sandbox/jwt/jwt.hpp"
#include "sandbox/openssl_handles.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <boost/json/parse.hpp>

#include <array>
#include <cmath>
#include <ctime>
#include <memory>
#include <stdexcept>

namespace switchboard::sandbox::jwt {
namespace {

constexpr std::string_view url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view std_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string encode(std::string_view bytes, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const auto n = (std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                   (std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) |
                   std::uint32_t{static_cast<unsigned char>(bytes[i + 2])};
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  const auto rest = bytes.size() - i;
  if (rest == 0) return out;
  std::uint32_t n = std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
  if (rest == 2) n |= std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
  out += alphabet[(n >> 18) & 63];
  out += alphabet[(n >> 12) & 63];
  if (rest == 2) out += alphabet[(n >> 6) & 63];
  if (pad) out.append(rest == 1 ? 2 : 1, '=');
  return out;
}

std::optional<std::string> decode(std::string_view text, std::string_view alphabet) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::array<int, 256> value{};
  value.fill(-1);
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    value[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
  }
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = value[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

/// Clears the thread's OpenSSL error queue on scope exit: a failed check must not leave errors
/// behind for the TLS code that runs next on the same server thread.
struct error_queue_guard {
  error_queue_guard() = default;
  error_queue_guard(const error_queue_guard&) = delete;
  error_queue_guard& operator=(const error_queue_guard&) = delete;
  ~error_queue_guard() { ERR_clear_error(); }
};

std::string digest(const EVP_MD* md, std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), out.data(), &size, md, nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  return std::string(reinterpret_cast<const char*>(out.data()), size);
}

std::chrono::system_clock::time_point to_time_point(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return {};
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::optional<boost::json::object> decode_object(std::string_view part) {
  const auto bytes = base64url_decode(part);
  if (!bytes) return std::nullopt;
  boost::system::error_code ec;
  auto value = boost::json::parse(*bytes, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

}  // namespace

std::string base64url_encode(std::string_view bytes) { return encode(bytes, url_alphabet, false); }

std::optional<std::string> base64url_decode(std::string_view text) {
  return decode(text, url_alphabet);
}

std::string base64_encode(std::string_view bytes) { return encode(bytes, std_alphabet, true); }

std::optional<std::string> base64_decode(std::string_view text) {
  return decode(text, std_alphabet);
}

std::string hex_upper(std::string_view bytes) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    out += digits[(static_cast<unsigned char>(c) >> 4) & 15];
    out += digits[static_cast<unsigned char>(c) & 15];
  }
  return out;
}

std::optional<parsed_token> parse(std::string_view compact, std::string& reason) {
  const auto first = compact.find('.');
  const auto second = first == std::string_view::npos ? first : compact.find('.', first + 1);
  if (second == std::string_view::npos || compact.find('.', second + 1) != std::string_view::npos) {
    reason = "not three dot-separated parts";
    return std::nullopt;
  }
  auto header = decode_object(compact.substr(0, first));
  if (!header) {
    reason = "the header is not a base64url-encoded JSON object";
    return std::nullopt;
  }
  auto claims = decode_object(compact.substr(first + 1, second - first - 1));
  if (!claims) {
    reason = "the payload is not a base64url-encoded JSON object";
    return std::nullopt;
  }
  auto signature = base64url_decode(compact.substr(second + 1));
  if (!signature || signature->empty()) {
    reason = "the signature is missing or not base64url";
    return std::nullopt;
  }
  return parsed_token{std::move(*header), std::move(*claims),
                      std::string(compact.substr(0, second)), std::move(*signature)};
}

std::optional<std::int64_t> integer_claim(const boost::json::object& claims,
                                          std::string_view name) {
  const auto* v = claims.if_contains(name);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v->as_uint64());
  }
  if (v->is_double() && std::floor(v->as_double()) == v->as_double() &&
      std::fabs(v->as_double()) < 9e15) {
    return static_cast<std::int64_t>(v->as_double());
  }
  return std::nullopt;
}

std::optional<std::string> string_claim(const boost::json::object& claims, std::string_view name) {
  const auto* v = claims.if_contains(name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

certificate certificate::from_pem(std::string_view pem) {
  const error_queue_guard guard;
  bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) throw std::runtime_error("BIO_new_mem_buf failed");
  x509_ptr x509(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!x509) throw std::invalid_argument("no X.509 certificate in the PEM text");
  certificate cert;
  unsigned char* der = nullptr;
  const int der_size = i2d_X509(x509.get(), &der);
  if (der_size <= 0) throw std::invalid_argument("certificate cannot be DER-encoded");
  cert.der_.assign(reinterpret_cast<const char*>(der), static_cast<std::size_t>(der_size));
  OPENSSL_free(der);
  unsigned char* spki = nullptr;
  const int spki_size = i2d_PUBKEY(X509_get0_pubkey(x509.get()), &spki);
  if (spki_size <= 0) throw std::invalid_argument("certificate has no usable public key");
  cert.public_key_der_.assign(reinterpret_cast<const char*>(spki),
                              static_cast<std::size_t>(spki_size));
  OPENSSL_free(spki);
  cert.not_before_ = to_time_point(X509_get0_notBefore(x509.get()));
  cert.not_after_ = to_time_point(X509_get0_notAfter(x509.get()));
  return cert;
}

std::string certificate::sha1_thumbprint() const { return digest(EVP_sha1(), der_); }

std::string certificate::sha256_thumbprint() const { return digest(EVP_sha256(), der_); }

bool certificate::verify(std::string_view alg, std::string_view input,
                         std::string_view signature) const {
  const bool pss = alg == "PS256";
  if (!pss && alg != "RS256") return false;
  const error_queue_guard guard;
  const auto* p = reinterpret_cast<const unsigned char*>(public_key_der_.data());
  pkey_ptr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(public_key_der_.size())));
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) return false;
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.get()) != 1) {
    return false;
  }
  if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
              EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1 ||
              EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1)) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

}  // namespace switchboard::sandbox::jwt
