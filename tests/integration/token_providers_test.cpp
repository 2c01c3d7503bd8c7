// Entra ID and Adobe IMS token providers against the sandbox emulators over real HTTPS.
#include "switchboard/host/token_providers.hpp"
#include "sandbox/entra/entra_emulator.hpp"
#include "sandbox/ims/ims_emulator.hpp"
#include "sandbox/jwt/signing.hpp"
#include "sandbox/tls_identity.hpp"
#include "support/test_support.hpp"
#include "switchboard/host/http_client.hpp"
#include "switchboard/host/http_server.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <stdexcept>
#include <thread>

namespace switchboard::test {
namespace {

using host::server_reply;
using host::server_request;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view tenant = "8f3c1d52-2a4b-4c1e-9d7a-5b6e7f809a1b";
constexpr std::string_view client_id = "3e5a7c9b-1d2f-4a6b-8c0d-e1f2a3b4c5d6";
constexpr std::string_view secret = "s3cr3t~value.Of_40_chars-xxxxxxxxxxxxxx";
constexpr std::string_view resource = "https://contoso.crm.dynamics.com";
constexpr std::string_view ims_client_id = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
constexpr std::string_view ims_secret = "p8e-ims-client-secret-value";
constexpr std::string_view org_id = "0A1B2C3D4E5F60718293A4B5@AdobeOrg";
constexpr std::string_view tech_account = "F1E2D3C4B5A6978812345678@techacct.adobe.com";
constexpr std::string_view ims_base = "https://ims-na1.adobelogin.com";

// An emulator served over HTTPS, counting the requests it answers.
class served_emulator {
 public:
  served_emulator(sandbox::emulator& service, const sandbox::tls_identity& identity,
                  milliseconds delay = milliseconds(0))
      : server_(identity.credentials(), [this, &service, delay](const server_request& r) {
          requests_.fetch_add(1);
          server_reply reply = service.handle(r);
          reply.delay = delay;
          return reply;
        }) {}
  std::string url() const { return server_.base_url(); }
  int requests() const { return requests_.load(); }

 private:
  std::atomic<int> requests_{0};
  host::https_server server_;
};

class TokenProviders : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<temp_dir>();
    identity_ = sandbox::tls_identity::generate();
    identity_.write_ca(*dir_ / "ca.pem");
    app_key_ = sandbox::jwt::generate_rsa_credential("switchboard-test-app");
    stranger_key_ = sandbox::jwt::generate_rsa_credential("someone-else");
  }
  static void TearDownTestSuite() { dir_.reset(); }

  TokenProviders() {
    host::http_client_options o;
    o.ca_file = (*dir_ / "ca.pem").string();
    o.retry.initial_backoff = milliseconds(10);
    o.retry.max_backoff = milliseconds(40);
    http_ = host::make_http_client(o, nullptr);
  }

  void start_entra(sandbox::entra_options options = {}, milliseconds delay = milliseconds(0)) {
    entra_ = std::make_unique<sandbox::entra_emulator>(tokens_, std::move(options));
    entra_->register_app({std::string(tenant),
                          std::string(client_id),
                          {std::string(secret)},
                          {app_key_.certificate_pem}});
    served_ = std::make_unique<served_emulator>(*entra_, identity_, delay);
  }

  void start_ims(sandbox::ims_options options = {}) {
    ims_ = std::make_unique<sandbox::ims_emulator>(tokens_, std::move(options));
    sandbox::ims_client c;
    c.client_id = ims_client_id;
    c.client_secrets = {std::string(ims_secret)};
    c.org_id = org_id;
    c.technical_account_id = tech_account;
    c.metascopes = {"ent_campaign_sdk"};
    c.certificate_pems = {app_key_.certificate_pem};
    c.organizations = {"contoso"};
    ims_->register_client(c);
    served_ = std::make_unique<served_emulator>(*ims_, identity_);
  }

  host::entra_secret_options entra_secret() const {
    host::entra_secret_options o;
    o.authority = served_->url();
    o.tenant = tenant;
    o.client_id = client_id;
    o.client_secret = secret;
    o.resource = resource;
    return o;
  }

  host::entra_certificate_options entra_certificate(host::entra_assertion_format format) const {
    host::entra_certificate_options o;
    o.authority = served_->url();
    o.tenant = tenant;
    o.client_id = client_id;
    o.resource = resource;
    o.certificate.pem = app_key_.certificate_pem;
    o.private_key.pem = app_key_.private_key_pem;
    o.format = format;
    return o;
  }

  host::ims_oauth_options ims_oauth() const {
    host::ims_oauth_options o;
    o.ims_url = served_->url();
    o.client_id = ims_client_id;
    o.client_secret = ims_secret;
    return o;
  }

  host::ims_jwt_options ims_jwt() const {
    host::ims_jwt_options o;
    o.ims_url = served_->url();
    o.audience_base = ims_base;
    o.client_id = ims_client_id;
    o.client_secret = ims_secret;
    o.org_id = org_id;
    o.technical_account_id = tech_account;
    o.private_key.pem = app_key_.private_key_pem;
    return o;
  }

  // The grant behind a token the emulators issued.
  std::optional<sandbox::token_registry::grant> grant_of(sdk::token_provider& provider) {
    std::string token;
    sdk::status got = provider.get(token);
    EXPECT_TRUE(got) << got.message();
    return tokens_.check(token);
  }

  static inline std::unique_ptr<temp_dir> dir_;
  static inline sandbox::tls_identity identity_;
  static inline sandbox::jwt::rsa_credential app_key_;
  static inline sandbox::jwt::rsa_credential stranger_key_;
  sandbox::token_registry tokens_;
  std::unique_ptr<host::https_client> http_;
  std::unique_ptr<sandbox::entra_emulator> entra_;
  std::unique_ptr<sandbox::ims_emulator> ims_;
  std::unique_ptr<served_emulator> served_;
};

TEST_F(TokenProviders, EntraSecretIsAccepted) {
  start_entra();
  auto provider = host::make_entra_secret_provider(*http_, entra_secret());
  auto grant = grant_of(*provider);
  ASSERT_TRUE(grant);
  EXPECT_EQ(grant->client_id, client_id);
  EXPECT_EQ(grant->audience, resource);
}

TEST_F(TokenProviders, EntraWrongSecretIsRejectedWithoutQuotingIt) {
  start_entra();
  auto options = entra_secret();
  options.client_secret = "wrong-secret-value-123";
  auto provider = host::make_entra_secret_provider(*http_, options);
  std::string token;
  sdk::status got = provider->get(token);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.kind(), sdk::error_kind::permanent);
  EXPECT_THAT(got.message(), HasSubstr("AADSTS7000215"));
  EXPECT_THAT(got.message(), HasSubstr("invalid_client"));
  EXPECT_THAT(got.message(), Not(HasSubstr("wrong-secret-value-123")));
  EXPECT_THAT(got.message(), Not(HasSubstr("\n")));
}

TEST_F(TokenProviders, EntraCertificateRs256IsAccepted) {
  start_entra();
  auto provider = host::make_entra_certificate_provider(
      *http_, entra_certificate(host::entra_assertion_format::rs256_x5t));
  auto grant = grant_of(*provider);
  ASSERT_TRUE(grant);
  EXPECT_EQ(grant->audience, resource);
}

TEST_F(TokenProviders, EntraCertificatePs256IsAccepted) {
  start_entra();
  auto provider = host::make_entra_certificate_provider(
      *http_, entra_certificate(host::entra_assertion_format::ps256_x5t_s256));
  auto grant = grant_of(*provider);
  ASSERT_TRUE(grant);
  EXPECT_EQ(grant->audience, resource);
}

TEST_F(TokenProviders, EntraCertificateFromFilesIsAccepted) {
  start_entra();
  write_file(*dir_ / "app.crt", app_key_.certificate_pem);
  write_file(*dir_ / "app.key", app_key_.private_key_pem);
  auto options = entra_certificate(host::entra_assertion_format::ps256_x5t_s256);
  options.certificate = {"", (*dir_ / "app.crt").string()};
  options.private_key = {"", (*dir_ / "app.key").string()};
  auto provider = host::make_entra_certificate_provider(*http_, options);
  EXPECT_TRUE(grant_of(*provider));
}

TEST_F(TokenProviders, EntraRejectsAnAssertionFormatItDoesNotAccept) {
  sandbox::entra_options options;
  options.accept_rs256_x5t = false;
  start_entra(options);
  auto provider = host::make_entra_certificate_provider(
      *http_, entra_certificate(host::entra_assertion_format::rs256_x5t));
  std::string token;
  sdk::status got = provider->get(token);
  ASSERT_FALSE(got);
  EXPECT_THAT(got.message(), HasSubstr("AADSTS5002738"));
}

TEST_F(TokenProviders, EntraWrongKeyIsRejected) {
  start_entra();
  auto options = entra_certificate(host::entra_assertion_format::ps256_x5t_s256);
  options.certificate.pem = stranger_key_.certificate_pem;
  options.private_key.pem = stranger_key_.private_key_pem;
  auto provider = host::make_entra_certificate_provider(*http_, options);
  std::string token;
  sdk::status got = provider->get(token);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.kind(), sdk::error_kind::permanent);
  EXPECT_THAT(got.message(), HasSubstr("AADSTS700027"));
  EXPECT_THAT(got.message(), HasSubstr("/oauth2/v2.0/token answered 4"));
}

TEST_F(TokenProviders, CertificateAndKeyMustMatch) {
  start_entra();
  auto options = entra_certificate(host::entra_assertion_format::rs256_x5t);
  options.private_key.pem = stranger_key_.private_key_pem;
  EXPECT_THROW(
      {
        try {
          host::make_entra_certificate_provider(*http_, options);
        } catch (const std::invalid_argument& e) {
          EXPECT_THAT(e.what(), HasSubstr("does not belong to the certificate"));
          throw;
        }
      },
      std::invalid_argument);
  options.private_key = {"", (*dir_ / "missing.key").string()};
  EXPECT_THROW(host::make_entra_certificate_provider(*http_, options), std::invalid_argument);
  auto no_secret = entra_secret();
  no_secret.client_secret.clear();
  EXPECT_THROW(host::make_entra_secret_provider(*http_, no_secret), std::invalid_argument);
}

TEST_F(TokenProviders, ImsOauthServerToServerIsAccepted) {
  start_ims();
  auto provider = host::make_ims_oauth_provider(*http_, ims_oauth());
  auto grant = grant_of(*provider);
  ASSERT_TRUE(grant);
  EXPECT_EQ(grant->client_id, ims_client_id);
  EXPECT_EQ(grant->audience, org_id);
}

TEST_F(TokenProviders, ImsWrongSecretIsRejected) {
  start_ims();
  auto options = ims_oauth();
  options.client_secret = "not-the-ims-secret";
  auto provider = host::make_ims_oauth_provider(*http_, options);
  std::string token;
  sdk::status got = provider->get(token);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.kind(), sdk::error_kind::permanent);
  EXPECT_THAT(got.message(), HasSubstr("invalid_client: invalid client_secret parameter"));
  EXPECT_THAT(got.message(), Not(HasSubstr("not-the-ims-secret")));
}

TEST_F(TokenProviders, ImsJwtExchangeIsAccepted) {
  start_ims();
  auto provider = host::make_ims_jwt_provider(*http_, ims_jwt());
  auto grant = grant_of(*provider);
  ASSERT_TRUE(grant);
  EXPECT_EQ(grant->audience, org_id);
  // expires_in came in milliseconds: read as about a day, so the token stays cached.
  std::string again;
  ASSERT_TRUE(provider->get(again));
  EXPECT_EQ(served_->requests(), 1);
}

TEST_F(TokenProviders, ImsJwtWithTheWrongKeyIsRejected) {
  start_ims();
  auto options = ims_jwt();
  options.private_key.pem = stranger_key_.private_key_pem;
  auto provider = host::make_ims_jwt_provider(*http_, options);
  std::string token;
  sdk::status got = provider->get(token);
  ASSERT_FALSE(got);
  EXPECT_THAT(got.message(), HasSubstr("invalid_signature"));
}

TEST_F(TokenProviders, CachesTheToken) {
  start_entra();
  auto provider = host::make_entra_secret_provider(*http_, entra_secret());
  std::string first;
  ASSERT_TRUE(provider->get(first));
  for (int i = 0; i < 50; ++i) {
    std::string token;
    ASSERT_TRUE(provider->get(token));
    EXPECT_EQ(token, first);
  }
  EXPECT_EQ(served_->requests(), 1);
}

TEST_F(TokenProviders, InvalidateFetchesANewToken) {
  start_entra();
  auto provider = host::make_entra_secret_provider(*http_, entra_secret());
  std::string first;
  std::string second;
  ASSERT_TRUE(provider->get(first));
  provider->invalidate();
  ASSERT_TRUE(provider->get(second));
  EXPECT_NE(first, second);
  EXPECT_EQ(served_->requests(), 2);
}

TEST_F(TokenProviders, ConcurrentCallersShareOneFetch) {
  // The slow answer keeps the first fetch open while the other callers arrive.
  start_entra({}, milliseconds(300));
  auto provider = host::make_entra_certificate_provider(
      *http_, entra_certificate(host::entra_assertion_format::ps256_x5t_s256));
  constexpr int callers = 8;
  std::latch start(callers);
  std::vector<std::string> got(callers);
  std::vector<std::thread> threads;
  for (int i = 0; i < callers; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      sdk::status s = provider->get(got[i]);
      EXPECT_TRUE(s) << s.message();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(served_->requests(), 1);
  for (const auto& token : got) EXPECT_EQ(token, got.front());
}

TEST_F(TokenProviders, RenewsTheTokenAheadOfExpiry) {
  sandbox::entra_options options;
  options.token_lifetime = std::chrono::seconds(2);
  start_entra(options);
  auto provider = host::make_entra_secret_provider(*http_, entra_secret());
  std::string first;
  ASSERT_TRUE(provider->get(first));
  std::string token;
  ASSERT_TRUE(provider->get(token));
  EXPECT_EQ(served_->requests(), 1);
  // Renewal is due after half the 2 s lifetime.
  EXPECT_TRUE(wait_until(
      [&] {
        EXPECT_TRUE(provider->get(token));
        return token != first;
      },
      std::chrono::seconds(5)));
  EXPECT_EQ(served_->requests(), 2);
}

TEST_F(TokenProviders, HttpClientRenewsAnExpiredTokenOnce) {
  start_ims();
  auto provider = host::make_ims_oauth_provider(*http_, ims_oauth());
  sdk::http_request profile;
  profile.url = served_->url() + "/ims/profile/v1";
  profile.authorization = provider.get();
  auto first = http_->send(profile);
  ASSERT_TRUE(first.result) << first.result.message();
  EXPECT_EQ(first.response.status_code, 200);
  tokens_.expire_all();
  auto second = http_->send(profile);
  ASSERT_TRUE(second.result) << second.result.message();
  EXPECT_EQ(second.response.status_code, 200);
  EXPECT_THAT(second.response.body, HasSubstr("contoso"));
  EXPECT_EQ(tokens_.issued(), 2u);
  EXPECT_EQ(http_->stats().token_refreshes, 1u);
}

}  // namespace
}  // namespace switchboard::test
