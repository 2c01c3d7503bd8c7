// Key and certificate generation and JWS signing with the OpenSSL 3 EVP API.
#include "sandbox/jwt/signing.hpp"
#include "sandbox/openssl_handles.hpp"

#include "sandbox/jwt/jwt.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <boost/json/serialize.hpp>

#include <memory>
#include <stdexcept>
#include <string>

namespace switchboard::sandbox::jwt {
namespace {

[[noreturn]] void fail(std::string_view what) {
  std::string message(what);
  if (const auto code = ERR_get_error(); code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    message += ": ";
    message += text;
  }
  ERR_clear_error();
  throw std::runtime_error(message);
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

rsa_credential generate_rsa_credential(std::string_view common_name, int bits) {
  pkey_ptr key(EVP_RSA_gen(static_cast<unsigned>(bits)));
  if (!key) fail("rsa key generation failed");
  x509_ptr cert(X509_new());
  if (!cert) fail("X509_new failed");
  const std::string cn(common_name);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key.get()) != 1 ||
      X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) {
    fail("self-signed certificate creation failed");
  }
  bio_ptr key_bio(BIO_new(BIO_s_mem()));
  bio_ptr cert_bio(BIO_new(BIO_s_mem()));
  if (!key_bio || !cert_bio ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1 ||
      PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1) {
    fail("PEM encoding failed");
  }
  return {bio_text(key_bio.get()), bio_text(cert_bio.get())};
}

std::string sign(const boost::json::object& header, const boost::json::object& claims,
                 std::string_view private_key_pem) {
  const auto* alg_value = header.if_contains("alg");
  const std::string alg = alg_value != nullptr && alg_value->is_string()
                              ? std::string(alg_value->as_string())
                              : std::string();
  if (alg != "RS256" && alg != "PS256") {
    throw std::invalid_argument("unsupported signing alg '" + alg + "'");
  }
  bio_ptr bio(BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())));
  pkey_ptr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) {
    ERR_clear_error();
    throw std::invalid_argument("no private key in the PEM text");
  }
  const std::string input = base64url_encode(boost::json::serialize(header)) + "." +
                            base64url_encode(boost::json::serialize(claims));
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.get()) != 1) {
    fail("EVP_DigestSignInit failed");
  }
  if (alg == "PS256" && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1 ||
                         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1)) {
    fail("PSS parameters rejected");
  }
  std::size_t size = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &size, data, input.size()) != 1) fail("signing failed");
  std::string signature(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, data,
                     input.size()) != 1) {
    fail("signing failed");
  }
  signature.resize(size);
  return input + "." + base64url_encode(signature);
}

}  // namespace switchboard::sandbox::jwt
