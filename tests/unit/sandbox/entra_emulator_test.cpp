// The Entra ID emulator's token endpoint: secrets, RS256/PS256 client assertions, AADSTS errors.
#include "sandbox/entra/entra_emulator.hpp"
#include "sandbox/jwt/signing.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <memory>

namespace switchboard::sandbox {
namespace {

namespace json = boost::json;

constexpr std::string_view tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr std::string_view client_id = "535fb089-9ff3-47b6-9bfb-4f1264799865";
constexpr std::string_view secret = "qWgdYAmab0YSkuL1qKv5bPX";
constexpr std::string_view scope = "https://contoso.crm.dynamics.com/.default";
const std::string token_url =
    "https://login.microsoftonline.com/" + std::string(tenant) + "/oauth2/v2.0/token";

/// Thumbprint of a PEM certificate computed here with X509_digest, independently of the emulator.
std::string thumbprint(const std::string& pem, const EVP_MD* md) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  X509_digest(cert.get(), md, out, &size);
  return jwt::base64url_encode(std::string(reinterpret_cast<char*>(out), size));
}

/// A PS256-shaped JWS whose PSS salt length is `salt` bytes (for the salt-length check).
std::string sign_pss_with_salt(const json::object& header, const json::object& claims,
                               const std::string& key_pem, int salt) {
  const std::string input = jwt::base64url_encode(json::serialize(header)) + "." +
                            jwt::base64url_encode(json::serialize(claims));
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.get());
  EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt);
  EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256());
  std::size_t size = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  EVP_DigestSign(ctx.get(), nullptr, &size, data, input.size());
  std::string signature(size, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, data,
                 input.size());
  signature.resize(size);
  return input + "." + jwt::base64url_encode(signature);
}

class EntraEmulator : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registered_ = new jwt::rsa_credential(jwt::generate_rsa_credential("switchboard-test"));
    stranger_ = new jwt::rsa_credential(jwt::generate_rsa_credential("someone-else"));
  }
  static void TearDownTestSuite() {
    delete registered_;
    delete stranger_;
  }

  EntraEmulator() : entra_(tokens_, options()) {}

  static entra_options options() {
    entra_options o;
    o.apps.push_back({std::string(tenant),
                      std::string(client_id),
                      {std::string(secret)},
                      {registered_->certificate_pem}});
    o.tenant_domains[std::string(tenant)] = {"contoso.onmicrosoft.com"};
    return o;
  }

  static std::int64_t now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  static json::object claims(std::string aud = token_url, std::int64_t exp_offset = 600) {
    return json::object{{"aud", aud},
                        {"iss", client_id},
                        {"sub", client_id},
                        {"jti", "8f2f6c2e-7d3c-4a35-b1d0-6c1f4c5f0a11"},
                        {"nbf", now()},
                        {"iat", now()},
                        {"exp", now() + exp_offset}};
  }

  static json::object rs256_header(const std::string& certificate_pem) {
    return json::object{
        {"alg", "RS256"}, {"typ", "JWT"}, {"x5t", thumbprint(certificate_pem, EVP_sha1())}};
  }

  static json::object ps256_header(const std::string& certificate_pem) {
    return json::object{
        {"alg", "PS256"}, {"typ", "JWT"}, {"x5t#S256", thumbprint(certificate_pem, EVP_sha256())}};
  }

  server_reply post(std::string body, std::vector<sdk::http_header> headers = {},
                    std::string path = "/" + std::string(tenant) + "/oauth2/v2.0/token") {
    server_request request;
    request.method = "POST";
    request.target = std::move(path);
    request.headers = std::move(headers);
    request.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
    request.body = std::move(body);
    return entra_.handle(request);
  }

  server_reply post_assertion(const std::string& assertion,
                              std::vector<sdk::http_header> headers = {}) {
    return post("grant_type=client_credentials&client_id=" + std::string(client_id) +
                    "&scope=" + percent("https://contoso.crm.dynamics.com/.default") +
                    "&client_assertion_type=" +
                    percent("urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
                    "&client_assertion=" + assertion,
                std::move(headers));
  }

  static std::string percent(std::string_view text) { return jwt::percent_encode(text); }

  static json::object body_of(const server_reply& reply) {
    return json::parse(reply.body).as_object();
  }

  static void expect_aadsts(const server_reply& reply, int status, std::string_view error,
                            int code) {
    EXPECT_EQ(reply.status, status) << reply.body;
    const auto body = body_of(reply);
    EXPECT_EQ(body.at("error").as_string(), error);
    const std::string description(body.at("error_description").as_string());
    EXPECT_EQ(description.rfind("AADSTS" + std::to_string(code) + ": ", 0), 0u) << description;
    EXPECT_NE(description.find("\r\nTrace ID: "), std::string::npos);
    ASSERT_EQ(body.at("error_codes").as_array().size(), 1u);
    EXPECT_EQ(body.at("error_codes").as_array()[0].to_number<int>(), code);
    EXPECT_TRUE(body.at("timestamp").is_string());
    EXPECT_EQ(body.at("trace_id").as_string().size(), 36u);
    EXPECT_EQ(body.at("correlation_id").as_string().size(), 36u);
  }

  static inline jwt::rsa_credential* registered_ = nullptr;
  static inline jwt::rsa_credential* stranger_ = nullptr;
  token_registry tokens_;
  entra_emulator entra_;
};

TEST_F(EntraEmulator, IssuesTokenForClientSecretAsDocumented) {
  const auto reply = post("grant_type=client_credentials&client_id=" + std::string(client_id) +
                          "&client_secret=" + std::string(secret) + "&scope=" + percent(scope));
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto body = body_of(reply);
  EXPECT_EQ(body.at("token_type").as_string(), "Bearer");
  EXPECT_EQ(body.at("expires_in").to_number<int>(), 3599);
  EXPECT_EQ(body.at("ext_expires_in").to_number<int>(), 3599);
  const auto grant = tokens_.check(body.at("access_token").as_string());
  ASSERT_TRUE(grant.has_value());
  EXPECT_EQ(grant->client_id, client_id);
  EXPECT_EQ(grant->audience, "https://contoso.crm.dynamics.com");
}

TEST_F(EntraEmulator, AcceptsClientSecretInHttpBasicHeader) {
  const auto basic = jwt::base64_encode(std::string(client_id) + ":" + std::string(secret));
  const auto reply = post("grant_type=client_credentials&scope=" + percent(scope),
                          {{"Authorization", "Basic " + basic}});
  EXPECT_EQ(reply.status, 200) << reply.body;
}

TEST_F(EntraEmulator, RejectsWrongSecretWithAadsts7000215) {
  const auto reply = post("grant_type=client_credentials&client_id=" + std::string(client_id) +
                              "&client_secret=wrong&scope=" + percent(scope),
                          {{"client-request-id", "0b6c7e1e-5f0e-4a59-9a57-1d2b8f7a3c11"}});
  expect_aadsts(reply, 400, "invalid_client", 7000215);
  EXPECT_EQ(body_of(reply).at("correlation_id").as_string(),
            "0b6c7e1e-5f0e-4a59-9a57-1d2b8f7a3c11");
  EXPECT_EQ(tokens_.issued(), 0u);
}

TEST_F(EntraEmulator, InvalidClientStatusIsConfigurable) {
  ASSERT_TRUE(entra_.control("configure", "POST", json::object{{"invalid_client_status", 401}}));
  const auto reply = post("grant_type=client_credentials&client_id=" + std::string(client_id) +
                          "&client_secret=wrong&scope=" + percent(scope));
  expect_aadsts(reply, 401, "invalid_client", 7000215);
}

TEST_F(EntraEmulator, RejectsUnknownTenantWithAadsts90002) {
  const auto reply = post("grant_type=client_credentials&client_id=" + std::string(client_id) +
                              "&client_secret=" + std::string(secret) + "&scope=" + percent(scope),
                          {}, "/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token");
  expect_aadsts(reply, 400, "invalid_request", 90002);
}

TEST_F(EntraEmulator, AcceptsTenantDomainInPath) {
  const auto reply = post("grant_type=client_credentials&client_id=" + std::string(client_id) +
                              "&client_secret=" + std::string(secret) + "&scope=" + percent(scope),
                          {}, "/contoso.onmicrosoft.com/oauth2/v2.0/token");
  EXPECT_EQ(reply.status, 200) << reply.body;
}

TEST_F(EntraEmulator, RejectsUnknownClientWithAadsts700016) {
  const auto reply = post("grant_type=client_credentials&client_id=unknown-app&client_secret=" +
                          std::string(secret) + "&scope=" + percent(scope));
  expect_aadsts(reply, 400, "unauthorized_client", 700016);
}

TEST_F(EntraEmulator, RejectsScopesThatAreNotOneDefaultResource) {
  const auto base = "grant_type=client_credentials&client_id=" + std::string(client_id) +
                    "&client_secret=" + std::string(secret) + "&scope=";
  expect_aadsts(post(base + percent("https://contoso.crm.dynamics.com/user_impersonation")), 400,
                "invalid_scope", 1002012);
  expect_aadsts(post(base + percent("https://a.crm.dynamics.com/.default "
                                    "https://b.crm.dynamics.com/.default")),
                400, "invalid_scope", 70011);
  expect_aadsts(post("grant_type=client_credentials&client_id=" + std::string(client_id) +
                     "&client_secret=" + std::string(secret)),
                400, "invalid_request", 900144);
}

TEST_F(EntraEmulator, RejectsUnknownResourceWhenResourcesAreConfigured) {
  entra_.add_resource("https://contoso.crm.dynamics.com/");
  const auto base = "grant_type=client_credentials&client_id=" + std::string(client_id) +
                    "&client_secret=" + std::string(secret) + "&scope=";
  EXPECT_EQ(post(base + percent(scope)).status, 200);
  expect_aadsts(post(base + percent("https://fabrikam.crm.dynamics.com/.default")), 400,
                "invalid_resource", 500011);
}

TEST_F(EntraEmulator, RejectsMissingOrUnsupportedGrantAndGet) {
  expect_aadsts(post("client_id=" + std::string(client_id)), 400, "invalid_request", 900144);
  expect_aadsts(post("grant_type=password&client_id=" + std::string(client_id)), 400,
                "unsupported_grant_type", 70003);
  expect_aadsts(post("grant_type=client_credentials&client_id=" + std::string(client_id) +
                     "&scope=" + percent(scope)),
                400, "invalid_client", 7000218);
  server_request get;
  get.method = "GET";
  get.target = "/" + std::string(tenant) + "/oauth2/v2.0/token";
  expect_aadsts(entra_.handle(get), 400, "invalid_request", 900561);
}

TEST_F(EntraEmulator, AcceptsCertificateAssertionSignedWithRegisteredKey) {
  const auto assertion =
      jwt::sign(rs256_header(registered_->certificate_pem), claims(), registered_->private_key_pem);
  const auto reply = post_assertion(assertion);
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto grant = tokens_.check(body_of(reply).at("access_token").as_string());
  ASSERT_TRUE(grant.has_value());
  EXPECT_EQ(grant->audience, "https://contoso.crm.dynamics.com");
}

TEST_F(EntraEmulator, AcceptsPs256AssertionWithSha256Thumbprint) {
  const auto assertion =
      jwt::sign(ps256_header(registered_->certificate_pem), claims(), registered_->private_key_pem);
  EXPECT_EQ(post_assertion(assertion).status, 200);
}

TEST_F(EntraEmulator, RejectsPs256SignatureWithNonDigestSaltLength) {
  const auto assertion = sign_pss_with_salt(ps256_header(registered_->certificate_pem), claims(),
                                            registered_->private_key_pem, 64);
  expect_aadsts(post_assertion(assertion), 400, "invalid_client", 700027);
}

TEST_F(EntraEmulator, RejectsAssertionSignedWithWrongKey) {
  const auto assertion =
      jwt::sign(rs256_header(registered_->certificate_pem), claims(), stranger_->private_key_pem);
  const auto reply = post_assertion(assertion);
  expect_aadsts(reply, 400, "invalid_client", 700027);
  EXPECT_NE(reply.body.find("did not match the expected signature value"), std::string::npos);
  const auto ps256 =
      jwt::sign(ps256_header(registered_->certificate_pem), claims(), stranger_->private_key_pem);
  expect_aadsts(post_assertion(ps256), 400, "invalid_client", 700027);
}

TEST_F(EntraEmulator, RejectsAssertionWithWrongX5t) {
  const auto assertion =
      jwt::sign(rs256_header(stranger_->certificate_pem), claims(), stranger_->private_key_pem);
  const auto reply = post_assertion(assertion);
  expect_aadsts(reply, 400, "invalid_client", 700027);
  EXPECT_NE(reply.body.find("The key was not found"), std::string::npos);
}

TEST_F(EntraEmulator, RejectsExpiredAssertion) {
  const auto assertion = jwt::sign(rs256_header(registered_->certificate_pem),
                                   claims(token_url, -3600), registered_->private_key_pem);
  const auto reply = post_assertion(assertion);
  expect_aadsts(reply, 400, "invalid_client", 700024);
  EXPECT_NE(reply.body.find("not within its valid time range"), std::string::npos);
}

TEST_F(EntraEmulator, RejectsAssertionWithWrongAudience) {
  const auto wrong = "https://login.microsoftonline.com/" + std::string(tenant) + "/v2.0";
  const auto assertion = jwt::sign(rs256_header(registered_->certificate_pem), claims(wrong),
                                   registered_->private_key_pem);
  expect_aadsts(post_assertion(assertion), 400, "invalid_client", 50012);
}

TEST_F(EntraEmulator, AcceptsAudienceOfTheServedHost) {
  const auto aud = "https://127.0.0.1:8443/" + std::string(tenant) + "/oauth2/v2.0/token";
  const auto assertion = jwt::sign(rs256_header(registered_->certificate_pem), claims(aud),
                                   registered_->private_key_pem);
  EXPECT_EQ(post_assertion(assertion, {{"Host", "127.0.0.1:8443"}}).status, 200);
}

TEST_F(EntraEmulator, RejectsAssertionWhoseIssuerIsNotTheClient) {
  auto c = claims();
  c["iss"] = "another-app";
  const auto assertion =
      jwt::sign(rs256_header(registered_->certificate_pem), c, registered_->private_key_pem);
  expect_aadsts(post_assertion(assertion), 400, "invalid_client", 700021);
}

TEST_F(EntraEmulator, RejectsAssertionWithoutMatchingThumbprintHeaderOrJti) {
  auto header = rs256_header(registered_->certificate_pem);
  header.erase("x5t");
  header["x5t#S256"] = thumbprint(registered_->certificate_pem, EVP_sha256());
  expect_aadsts(post_assertion(jwt::sign(header, claims(), registered_->private_key_pem)), 400,
                "invalid_request", 50027);
  auto c = claims();
  c.erase("jti");
  expect_aadsts(post_assertion(jwt::sign(rs256_header(registered_->certificate_pem), c,
                                         registered_->private_key_pem)),
                400, "invalid_request", 50027);
  expect_aadsts(post_assertion("not-a-jwt"), 400, "invalid_request", 50027);
}

TEST_F(EntraEmulator, AssertionGenerationsCanBeSwitchedOff) {
  ASSERT_TRUE(entra_.control("configure", "POST", json::object{{"accept_rs256_x5t", false}}));
  const auto rs =
      jwt::sign(rs256_header(registered_->certificate_pem), claims(), registered_->private_key_pem);
  expect_aadsts(post_assertion(rs), 400, "invalid_client", 5002738);
  const auto ps =
      jwt::sign(ps256_header(registered_->certificate_pem), claims(), registered_->private_key_pem);
  EXPECT_EQ(post_assertion(ps).status, 200);
}

TEST_F(EntraEmulator, ReferenceThumbprintVectorsDecode) {
  std::string sha1;
  for (std::size_t i = 0; i < 40; i += 2) {
    sha1 += static_cast<char>(std::stoi(
        std::string("84E05C1D98BCE3A5421D225B140B36E86A3D5534").substr(i, 2), nullptr, 16));
  }
  EXPECT_EQ(jwt::base64url_encode(sha1), "hOBcHZi846VCHSJbFAs26Go9VTQ");
  EXPECT_EQ(jwt::base64url_decode("hOBcHZi846VCHSJbFAs26Go9VTQ="), sha1);
  const auto header =
      jwt::base64url_decode("eyJhbGciOiJSUzI1NiIsIng1dCI6Imd4OHRHeXN5amNScUtqRlBuZDdSRnd2d1pJMCJ9");
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(json::parse(*header),
            json::parse(R"({"alg":"RS256","x5t":"gx8tGysyjcRqKjFPnd7RFwvwZI0"})"));
}

TEST_F(EntraEmulator, ExpireTokensControlInvalidatesIssuedTokens) {
  const auto reply = post("grant_type=client_credentials&client_id=" + std::string(client_id) +
                          "&client_secret=" + std::string(secret) + "&scope=" + percent(scope));
  const std::string token(body_of(reply).at("access_token").as_string());
  ASSERT_TRUE(tokens_.check(token));
  ASSERT_TRUE(entra_.control("expire_tokens", "POST", json::object{}));
  EXPECT_FALSE(tokens_.check(token));
}

TEST_F(EntraEmulator, ControlRegistersAppsAndReportsErrors) {
  const auto added =
      entra_.control("register_app", "POST",
                     json::object{{"tenant", "t2"}, {"client_id", "c2"}, {"client_secret", "s2"}});
  ASSERT_TRUE(added.has_value());
  EXPECT_EQ(added->status, 200);
  EXPECT_EQ(
      post("grant_type=client_credentials&client_id=c2&client_secret=s2&scope=" + percent(scope),
           {}, "/t2/oauth2/v2.0/token")
          .status,
      200);
  const auto bad = entra_.control(
      "register_app", "POST",
      json::object{{"tenant", "t3"}, {"client_id", "c3"}, {"certificate_pem", "garbage"}});
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->status, 400);
  EXPECT_TRUE(body_of(*bad).contains("error"));
  EXPECT_FALSE(entra_.control("no_such_action", "POST", json::object{}).has_value());
  const auto apps = entra_.control("apps", "GET", nullptr);
  ASSERT_TRUE(apps.has_value());
  EXPECT_EQ(json::parse(apps->body).as_array().size(), 2u);
}

TEST_F(EntraEmulator, ClassifiesTokenRequests) {
  server_request request;
  request.method = "POST";
  request.target = "/" + std::string(tenant) + "/oauth2/v2.0/token";
  EXPECT_EQ(entra_.classify(request), "POST token");
}

}  // namespace
}  // namespace switchboard::sandbox
