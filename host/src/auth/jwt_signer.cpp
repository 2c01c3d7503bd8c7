// RSA signing of compact JWS with OpenSSL 3 EVP, and the certificate thumbprints Entra expects.
#include "jwt_signer.hpp"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace switchboard::host::auth_detail {
namespace {

struct bio_free {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct x509_free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
struct md_ctx_free {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};

std::string openssl_reason() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown openssl error";
  std::array<char, 256> text{};
  ERR_error_string_n(code, text.data(), text.size());
  return text.data();
}

std::unique_ptr<BIO, bio_free> memory_bio(const std::string& text) {
  return std::unique_ptr<BIO, bio_free>(
      BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string digest(const EVP_MD* md, const std::string& data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &size, md, nullptr) != 1) {
    throw std::runtime_error(fmt::format("digest failed: {}", openssl_reason()));
  }
  return std::string(reinterpret_cast<const char*>(out.data()), size);
}

int password_callback(char* buffer, int size, int, void* user) {
  const auto* password = static_cast<const std::string*>(user);
  if (password == nullptr || password->empty()) return 0;
  const int n = std::min(size, static_cast<int>(password->size()));
  std::copy_n(password->data(), n, buffer);
  return n;
}

}  // namespace

struct jwt_signer::key {
  ~key() { EVP_PKEY_free(pkey); }
  EVP_PKEY* pkey = nullptr;
};

std::string base64url(std::string_view bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (bytes.size() - i == 1) {
    const unsigned v = at(i) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    const unsigned v = (at(i) << 16) | (at(i + 1) << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
  }
  return out;
}

std::string random_uuid() {
  std::array<unsigned char, 16> b{};
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) {
    throw std::runtime_error(fmt::format("no random bytes for a jti: {}", openssl_reason()));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  return fmt::format(
      "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-"
      "{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
      b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
      b[15]);
}

std::string read_pem(const pem_source& source, std::string_view what) {
  if (!source.pem.empty()) return source.pem;
  if (source.file.empty()) {
    throw std::invalid_argument(fmt::format("{}: neither pem nor file is given", what));
  }
  std::ifstream in(source.file, std::ios::binary);
  if (!in) throw std::invalid_argument(fmt::format("{}: cannot read {}", what, source.file));
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().empty())
    throw std::invalid_argument(fmt::format("{}: {} is empty", what, source.file));
  return text.str();
}

jwt_signer::jwt_signer(std::string_view what, const std::string& private_key_pem,
                       const std::string& password, const std::string& certificate_pem)
    : key_(std::make_unique<key>()) {
  auto key_bio = memory_bio(private_key_pem);
  key_->pkey = PEM_read_bio_PrivateKey(key_bio.get(), nullptr, password_callback,
                                       const_cast<std::string*>(&password));
  if (key_->pkey == nullptr) {
    throw std::invalid_argument(
        fmt::format("{}: cannot read the private key: {}", what, openssl_reason()));
  }
  if (EVP_PKEY_get_base_id(key_->pkey) != EVP_PKEY_RSA) {
    throw std::invalid_argument(fmt::format("{}: the private key is not an RSA key", what));
  }
  if (certificate_pem.empty()) return;

  auto cert_bio = memory_bio(certificate_pem);
  std::unique_ptr<X509, x509_free> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    throw std::invalid_argument(
        fmt::format("{}: cannot read the certificate: {}", what, openssl_reason()));
  }
  if (X509_check_private_key(cert.get(), key_->pkey) != 1) {
    ERR_clear_error();
    throw std::invalid_argument(
        fmt::format("{}: the private key does not belong to the certificate", what));
  }
  const int size = i2d_X509(cert.get(), nullptr);
  if (size <= 0) {
    throw std::invalid_argument(
        fmt::format("{}: cannot encode the certificate: {}", what, openssl_reason()));
  }
  std::string der(static_cast<std::size_t>(size), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509(cert.get(), &out);
  x5t_ = base64url(digest(EVP_sha1(), der));
  x5t_s256_ = base64url(digest(EVP_sha256(), der));
}

jwt_signer::~jwt_signer() = default;

std::string jwt_signer::sign(jws_algorithm alg, boost::json::object header,
                             const boost::json::object& claims) const {
  header["alg"] = alg == jws_algorithm::rs256 ? "RS256" : "PS256";
  const std::string input =
      base64url(boost::json::serialize(header)) + "." + base64url(boost::json::serialize(claims));

  std::unique_ptr<EVP_MD_CTX, md_ctx_free> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  bool ok = ctx && EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key_->pkey) == 1;
  if (ok && alg == jws_algorithm::ps256) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1;
  }
  std::size_t length = 0;
  ok =
      ok && EVP_DigestSign(ctx.get(), nullptr, &length,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  std::string signature(length, '\0');
  ok =
      ok && EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  if (!ok) throw std::runtime_error(fmt::format("jwt signing failed: {}", openssl_reason()));
  signature.resize(length);
  return input + "." + base64url(signature);
}

}  // namespace switchboard::host::auth_detail
