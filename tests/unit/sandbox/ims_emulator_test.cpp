// The Adobe IMS emulator: OAuth server-to-server tokens and the legacy JWT exchange.
#include "sandbox/ims/ims_emulator.hpp"
#include "sandbox/jwt/signing.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

namespace switchboard::sandbox {
namespace {

namespace json = boost::json;

constexpr std::string_view client_id = "a64f5f10849a410a97ffdac8ae1c2d3e";
constexpr std::string_view secret = "p8e-s3cr3t";
constexpr std::string_view org_id = "C74F69D7594880280A495D09@AdobeOrg";
constexpr std::string_view technical_account = "6657031C5C095BB40A4C3A71@techacct.adobe.com";
constexpr std::string_view campaign_scopes =
    "openid,AdobeID,campaign_sdk,additional_info.projectedProductContext";
constexpr std::string_view metascope_claim = "https://ims-na1.adobelogin.com/s/ent_campaign_sdk";

class ImsEmulator : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registered_ = new jwt::rsa_credential(jwt::generate_rsa_credential("ims-test"));
    stranger_ = new jwt::rsa_credential(jwt::generate_rsa_credential("ims-stranger"));
  }
  static void TearDownTestSuite() {
    delete registered_;
    delete stranger_;
  }

  ImsEmulator() : ims_(tokens_, options()) {}

  static ims_options options() {
    ims_options o;
    ims_client c;
    c.client_id = client_id;
    c.client_secrets = {std::string(secret)};
    c.org_id = org_id;
    c.technical_account_id = technical_account;
    c.scopes = {"openid", "AdobeID", "campaign_sdk", "additional_info.projectedProductContext"};
    c.metascopes = {"ent_campaign_sdk"};
    c.certificate_pems = {registered_->certificate_pem};
    c.organizations = {"acme-mkt-stage"};
    o.clients.push_back(c);
    return o;
  }

  static std::int64_t now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  static json::object claims(std::int64_t exp_offset = 3600) {
    return json::object{{"exp", now() + exp_offset},
                        {"iss", org_id},
                        {"sub", technical_account},
                        {metascope_claim, true},
                        {"aud", "https://ims-na1.adobelogin.com/c/" + std::string(client_id)}};
  }

  static std::string signed_jwt(const json::object& c, const std::string& key_pem,
                                std::string alg = "RS256") {
    return jwt::sign(json::object{{"alg", alg}, {"typ", "JWT"}}, c, key_pem);
  }

  server_reply post(std::string path, std::string body, std::string query = {}) {
    server_request request;
    request.method = "POST";
    request.target = query.empty() ? path : path + "?" + query;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                       {"Cache-Control", "no-cache"}};
    request.body = std::move(body);
    return ims_.handle(request);
  }

  server_reply s2s(std::string_view id, std::string_view client_secret,
                   std::string_view scope = campaign_scopes) {
    return post("/ims/token/v3", "grant_type=client_credentials&client_id=" + std::string(id) +
                                     "&client_secret=" + std::string(client_secret) +
                                     "&scope=" + jwt::percent_encode(scope));
  }

  server_reply exchange(std::string_view client_secret, const std::string& token) {
    return post("/ims/exchange/jwt", "client_id=" + std::string(client_id) + "&client_secret=" +
                                         std::string(client_secret) + "&jwt_token=" + token);
  }

  static void expect_error(const server_reply& reply, int status, std::string_view error) {
    EXPECT_EQ(reply.status, status) << reply.body;
    const auto body = json::parse(reply.body).as_object();
    EXPECT_EQ(body.at("error").as_string(), error) << reply.body;
    EXPECT_TRUE(body.at("error_description").is_string());
  }

  static inline jwt::rsa_credential* registered_ = nullptr;
  static inline jwt::rsa_credential* stranger_ = nullptr;
  token_registry tokens_;
  ims_emulator ims_;
};

TEST_F(ImsEmulator, IssuesServerToServerTokenAsDocumented) {
  const auto reply = s2s(client_id, secret);
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto body = json::parse(reply.body).as_object();
  EXPECT_EQ(body.size(), 3u);
  EXPECT_EQ(body.at("token_type").as_string(), "bearer");
  EXPECT_EQ(body.at("expires_in").to_number<int>(), 86399);
  const auto grant = tokens_.check(body.at("access_token").as_string());
  ASSERT_TRUE(grant.has_value());
  EXPECT_EQ(grant->client_id, client_id);
  EXPECT_EQ(grant->audience, org_id);
}

TEST_F(ImsEmulator, AcceptsServerToServerParametersInTheQueryString) {
  const auto reply = post("/ims/token/v3", "",
                          "grant_type=client_credentials&client_id=" + std::string(client_id) +
                              "&client_secret=" + std::string(secret) + "&scope=openid,AdobeID");
  EXPECT_EQ(reply.status, 200) << reply.body;
}

TEST_F(ImsEmulator, RejectsServerToServerFailures) {
  expect_error(s2s("unknown", secret), 400, "invalid_client");
  expect_error(s2s(client_id, "wrong"), 401, "invalid_client");
  expect_error(s2s(client_id, secret, "openid,ent_analytics_bulk_ingest_sdk"), 400,
               "invalid_scope");
  expect_error(s2s(client_id, secret, ""), 400, "invalid_scope");
  expect_error(post("/ims/token/v3", "grant_type=password&client_id=" + std::string(client_id)),
               400, "unsupported_grant_type");
  EXPECT_EQ(tokens_.issued(), 0u);
}

TEST_F(ImsEmulator, ExchangesJwtSignedWithRegisteredCertificate) {
  const auto reply = exchange(secret, signed_jwt(claims(), registered_->private_key_pem));
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto body = json::parse(reply.body).as_object();
  EXPECT_EQ(body.at("token_type").as_string(), "bearer");
  EXPECT_GT(body.at("expires_in").to_number<std::int64_t>(), 1000000);
  EXPECT_TRUE(tokens_.check(body.at("access_token").as_string()).has_value());
}

TEST_F(ImsEmulator, ExchangeReportsSecondsWhenConfigured) {
  ASSERT_TRUE(ims_.control("configure", "POST", json::object{{"exchange_expires_in_ms", false}}));
  const auto reply = exchange(secret, signed_jwt(claims(), registered_->private_key_pem));
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(json::parse(reply.body).at("expires_in").to_number<int>(), 86399);
}

TEST_F(ImsEmulator, ExchangeRejectsWithDocumentedErrorCodes) {
  expect_error(exchange("wrong", signed_jwt(claims(), registered_->private_key_pem)), 401,
               "invalid_client");
  expect_error(exchange(secret, signed_jwt(claims(), stranger_->private_key_pem)), 400,
               "invalid_signature");
  expect_error(exchange(secret, signed_jwt(claims(), registered_->private_key_pem, "PS256")), 400,
               "invalid_signature");
  expect_error(exchange(secret, signed_jwt(claims(-60), registered_->private_key_pem)), 400,
               "invalid_token");
  expect_error(exchange(secret, signed_jwt(claims(2 * 24 * 3600), registered_->private_key_pem)),
               400, "invalid_token");
  expect_error(exchange(secret, "garbage"), 400, "invalid_token");
  auto wrong_aud = claims();
  wrong_aud["aud"] = "https://ims-na1.adobelogin.com/c/another-key";
  expect_error(exchange(secret, signed_jwt(wrong_aud, registered_->private_key_pem)), 400,
               "invalid_client");
  auto no_metascope = claims();
  no_metascope.erase(metascope_claim);
  expect_error(exchange(secret, signed_jwt(no_metascope, registered_->private_key_pem)), 400,
               "invalid_scope");
  auto unbound = claims();
  unbound["https://ims-na1.adobelogin.com/s/ent_dataservices_sdk"] = true;
  expect_error(exchange(secret, signed_jwt(unbound, registered_->private_key_pem)), 400,
               "invalid_scope");
  auto bad_sub = claims();
  bad_sub["sub"] = "someone@example.com";
  expect_error(exchange(secret, signed_jwt(bad_sub, registered_->private_key_pem)), 400,
               "bad_request");
  auto bad_jti = claims();
  bad_jti["jti"] = "not-a-number";
  expect_error(exchange(secret, signed_jwt(bad_jti, registered_->private_key_pem)), 400,
               "invalid_token");
  EXPECT_EQ(tokens_.issued(), 0u);
}

TEST_F(ImsEmulator, ProfileListsProductContextOrganizations) {
  const auto token = json::parse(s2s(client_id, secret).body).at("access_token").as_string();
  server_request request;
  request.method = "GET";
  request.target = "/ims/profile/v1";
  request.headers = {{"Authorization", "Bearer " + std::string(token)}};
  const auto reply = ims_.handle(request);
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto contexts = json::parse(reply.body).at("projectedProductContext").as_array();
  ASSERT_EQ(contexts.size(), 1u);
  EXPECT_EQ(contexts[0].at("prodCtx").at("organization_id").as_string(), "acme-mkt-stage");
  request.headers = {{"Authorization", "Bearer nope"}};
  EXPECT_EQ(ims_.handle(request).status, 401);
}

TEST_F(ImsEmulator, ControlRegistersClientsAndExpiresTokens) {
  const auto added = ims_.control(
      "register_client", "POST",
      json::object{{"client_id", "k2"}, {"client_secret", "s2"}, {"org_id", "X@AdobeOrg"}});
  ASSERT_TRUE(added.has_value());
  EXPECT_EQ(added->status, 200);
  const auto reply = s2s("k2", "s2", "openid");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const std::string token(json::parse(reply.body).at("access_token").as_string());
  ASSERT_TRUE(ims_.control("expire_tokens", "POST", nullptr).has_value());
  EXPECT_FALSE(tokens_.check(token).has_value());
  const auto bad = ims_.control("register_client", "POST", json::object{{"client_secret", "x"}});
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->status, 400);
  EXPECT_FALSE(ims_.control("unknown", "GET", nullptr).has_value());
}

TEST_F(ImsEmulator, ClassifiesRequests) {
  server_request request;
  request.method = "POST";
  request.target = "/ims/token/v3";
  EXPECT_EQ(ims_.classify(request), "POST token");
  request.target = "/ims/exchange/jwt";
  EXPECT_EQ(ims_.classify(request), "POST exchange");
}

}  // namespace
}  // namespace switchboard::sandbox
