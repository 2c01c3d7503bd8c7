// Generates a CA and a server certificate with OpenSSL 3 (EC P-256, SHA-256 signatures).
#include "sandbox/tls_identity.hpp"

#include "sandbox/openssl_handles.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <memory>
#include <stdexcept>

namespace switchboard::sandbox {
namespace {

using key_ptr = pkey_ptr;
using cert_ptr = x509_ptr;

[[noreturn]] void fail(const char* what) {
  char reason[256] = "unknown error";
  if (const unsigned long code = ERR_get_error(); code != 0) {
    ERR_error_string_n(code, reason, sizeof reason);
  }
  throw std::runtime_error(std::string("tls identity: ") + what + ": " + reason);
}

key_ptr make_key() {
  key_ptr key(EVP_EC_gen("P-256"));
  if (!key) fail("generating an EC key");
  return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) fail("building a certificate extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

cert_ptr make_certificate(EVP_PKEY* key, const std::string& common_name, X509* issuer,
                          long serial) {
  cert_ptr cert(X509_new());
  if (!cert) fail("allocating a certificate");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Switchboard sandbox"), -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  return cert;
}

void sign(X509* cert, EVP_PKEY* key) {
  if (X509_sign(cert, key, EVP_sha256()) == 0) fail("signing a certificate");
}

std::string to_pem(X509* cert) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) fail("writing a certificate");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string to_pem(EVP_PKEY* key) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    fail("writing a private key");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

tls_identity tls_identity::generate(const std::vector<std::string>& dns_names,
                                    const std::vector<std::string>& ip_addresses) {
  const key_ptr ca_key = make_key();
  const cert_ptr ca = make_certificate(ca_key.get(), "Switchboard sandbox CA", nullptr, 1);
  add_extension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
  sign(ca.get(), ca_key.get());

  const key_ptr server_key = make_key();
  const std::string common_name = dns_names.empty() ? "localhost" : dns_names.front();
  const cert_ptr server = make_certificate(server_key.get(), common_name, ca.get(), 2);
  std::string alt_names;
  for (const auto& d : dns_names) alt_names += (alt_names.empty() ? "DNS:" : ",DNS:") + d;
  for (const auto& ip : ip_addresses) alt_names += (alt_names.empty() ? "IP:" : ",IP:") + ip;
  add_extension(server.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(server.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
  add_extension(server.get(), ca.get(), NID_ext_key_usage, "serverAuth");
  if (!alt_names.empty()) add_extension(server.get(), ca.get(), NID_subject_alt_name, alt_names);
  sign(server.get(), ca_key.get());

  return tls_identity{to_pem(ca.get()), to_pem(server.get()), to_pem(server_key.get())};
}

host::tls_credentials tls_identity::credentials() const {
  return {server_certificate_pem + ca_certificate_pem, server_private_key_pem};
}

void tls_identity::write_ca(const std::filesystem::path& file) const {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << ca_certificate_pem;
  if (!out) throw std::runtime_error("cannot write the sandbox CA to " + file.string());
}

}  // namespace switchboard::sandbox
