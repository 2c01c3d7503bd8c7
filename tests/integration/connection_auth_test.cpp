// Connection "auth" objects become token providers that reach the sandbox's token endpoints,
// and bad ones are config errors naming the pointer.
#include "switchboard/host/connection_auth.hpp"
#include "engine/route_context.hpp"
#include "sandbox/sandbox.hpp"
#include "support/test_support.hpp"
#include "switchboard/host/http_client.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

namespace switchboard::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ConnectionAuth : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sandbox_ = new sandbox::sandbox(); }
  static void TearDownTestSuite() {
    delete sandbox_;
    sandbox_ = nullptr;
  }
  void SetUp() override {
    host::http_client_options options;
    options.ca_file = sandbox_->ca_file().string();
    http_ = host::make_http_client(options, nullptr);
  }

  /// A host config with tenant "acme" whose connection "d365" has `auth`.
  host::host_config config(const std::string& auth) {
    write_file(dir_ / "host.json", fmt::format(R"({{"tenants": [{{"id": "acme", "plugins": ["mock"],
      "connections": {{"d365": {{"plugin": "mock", "auth": {}}}}}, "routes": []}}]}})",
                                               auth));
    return host::load_host_config(dir_ / "host.json");
  }

  std::string entra_auth(const std::string& secret) const {
    const auto& c = sandbox_->credentials();
    return fmt::format(R"({{"type": "entra_secret", "authority": "{}", "tenant": "{}",
        "client_id": "{}", "client_secret": "{}", "resource": "{}"}})",
                       sandbox_->url("entra"), c.entra_tenant, c.entra_client_id, secret,
                       sandbox_->url("dataverse"));
  }

  static sandbox::sandbox* sandbox_;
  temp_dir dir_;
  std::unique_ptr<host::https_client> http_;
  host::secret_registry secrets_;
};

sandbox::sandbox* ConnectionAuth::sandbox_ = nullptr;

TEST_F(ConnectionAuth, EntraSecretFromAnEnvironmentReferenceGetsAToken) {
  ::setenv("SB_TEST_ENTRA_SECRET", sandbox_->credentials().entra_client_secret.c_str(), 1);
  const auto cfg = config(entra_auth("${env:SB_TEST_ENTRA_SECRET}"));
  const host::connection_auth auth(cfg, *http_, host::secret_resolver::system(), secrets_);
  auto* provider = auth.find("acme", "d365");
  ASSERT_NE(provider, nullptr);
  EXPECT_EQ(auth.find("acme", "other"), nullptr);
  std::string token;
  const auto st = provider->get(token);
  EXPECT_TRUE(st.is_ok()) << st.message();
  EXPECT_FALSE(token.empty());
  EXPECT_EQ(secrets_.redact(sandbox_->credentials().entra_client_secret), "***");
}

TEST_F(ConnectionAuth, ImsOauthGetsAToken) {
  const auto& c = sandbox_->credentials();
  const auto cfg = config(fmt::format(
      R"({{"type": "ims_oauth", "ims_url": "{}", "client_id": "{}", "client_secret": "{}"}})",
      sandbox_->url("ims"), c.ims_client_id, c.ims_client_secret));
  const host::connection_auth auth(cfg, *http_, host::secret_resolver::system(), secrets_);
  std::string token;
  const auto st = auth.find("acme", "d365")->get(token);
  EXPECT_TRUE(st.is_ok()) << st.message();
}

TEST_F(ConnectionAuth, TheRouteContextHandsOutTheHttpClientAndTheConnectionsProvider) {
  const auto cfg = config(entra_auth(sandbox_->credentials().entra_client_secret));
  const host::connection_auth auth(cfg, *http_, host::secret_resolver::system(), secrets_);
  auto state = host::open_sqlite_state_store(dir_ / "state.db");
  host::log_service logs({}, nullptr);
  host::metrics_registry metrics;
  host::stop_control stop;
  const host::context_services services{*state, logs, metrics, nullptr, http_.get(), &auth};
  host::route_context ctx(services, {"acme", "contacts"}, "mock.source", 1, stop,
                          host::stop_level::stop);
  EXPECT_EQ(ctx.http(), http_.get());
  EXPECT_EQ(ctx.tokens("d365"), auth.find("acme", "d365"));
  EXPECT_EQ(ctx.tokens("nope"), nullptr);
  // The component can use both together: a WhoAmI call authorised by the connection's token.
  sdk::http_request request;
  request.url = sandbox_->url("dataverse") + "/api/data/v9.2/WhoAmI";
  request.authorization = ctx.tokens("d365");
  const auto exchange = ctx.http()->send(request);
  ASSERT_TRUE(exchange.result.is_ok()) << exchange.result.message();
  EXPECT_EQ(exchange.response.status_code, 200) << exchange.response.body;
}

TEST_F(ConnectionAuth, BadAuthObjectsAreConfigErrorsWithPointers) {
  struct bad_case {
    std::string auth;
    std::string pointer;
    std::string reason;
  };
  const std::vector<bad_case> cases = {
      {R"({"type": "kerberos"})", "/tenants/0/connections/d365/auth/type", "expected one of"},
      {R"({"client_id": "x"})", "/tenants/0/connections/d365/auth/type", "expected one of"},
      {R"({"type": "entra_secret", "tenant": "t", "client_id": "c", "resource": "https://r"})",
       "/tenants/0/connections/d365/auth/client_secret", "required key is missing"},
      {R"({"type": "ims_oauth", "client_id": "c", "client_secret": "hunter2-secret", "colour": 1})",
       "/tenants/0/connections/d365/auth/colour", "unknown key"},
      {R"({"type": "entra_certificate", "tenant": "t", "client_id": "c", "resource": "https://r",
          "certificate_file": "/no/such.pem", "private_key_file": "/no/such.key",
          "format": "hs256"})",
       "/tenants/0/connections/d365/auth/format", "hs256"},
      {R"({"type": "entra_certificate", "tenant": "t", "client_id": "c", "resource": "https://r",
          "certificate_file": "/no/such.pem", "private_key_file": "/no/such.key"})",
       "/tenants/0/connections/d365/auth", "/no/such.pem"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.auth);
    const auto cfg = config(c.auth);
    try {
      host::connection_auth auth(cfg, *http_, host::secret_resolver::system(), secrets_);
      ADD_FAILURE() << "no config_error";
    } catch (const host::config_error& e) {
      EXPECT_EQ(e.pointer(), c.pointer) << e.what();
      EXPECT_THAT(e.reason(), HasSubstr(c.reason));
      EXPECT_THAT(std::string(e.what()), Not(HasSubstr("hunter2")));
    }
  }
}

}  // namespace
}  // namespace switchboard::test
