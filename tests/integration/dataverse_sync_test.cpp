// A 100k-row tracked sync against the sandbox through raw client calls: every row, then only
// the changes, deletions as $deletedEntity, and the expired-token error.
#include "sandbox/dataverse/dataverse_emulator.hpp"
#include "sandbox/sandbox.hpp"
#include "switchboard/host/http_client.hpp"
#include "switchboard/host/token_providers.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <set>

namespace switchboard::test {
namespace {

using ::testing::HasSubstr;
namespace json = boost::json;

constexpr std::size_t row_count = 100000;

class DataverseSync : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sandbox::sandbox_options options;
    options.seed_contacts = row_count;
    sandbox_ = new sandbox::sandbox(options);
  }
  static void TearDownTestSuite() {
    delete sandbox_;
    sandbox_ = nullptr;
  }

  void SetUp() override {
    host::http_client_options options;
    options.ca_file = sandbox_->ca_file().string();
    client_ = host::make_http_client(options, nullptr);
    const auto& c = sandbox_->credentials();
    host::entra_secret_options entra;
    entra.authority = sandbox_->url("entra");
    entra.tenant = c.entra_tenant;
    entra.client_id = c.entra_client_id;
    entra.client_secret = c.entra_client_secret;
    entra.resource = sandbox_->url("dataverse");
    tokens_ = host::make_entra_secret_provider(*client_, entra);
  }

  /// GETs a URL as the Dataverse client would; fails the test on a transport error.
  sdk::http_response get(const std::string& url, const std::string& prefer) {
    sdk::http_request request;
    request.url = url;
    request.authorization = tokens_.get();
    request.headers = {
        {"Accept", "application/json"}, {"OData-Version", "4.0"}, {"OData-MaxVersion", "4.0"}};
    if (!prefer.empty()) request.headers.push_back({"Prefer", prefer});
    auto exchange = client_->send(request);
    EXPECT_TRUE(exchange.result.is_ok()) << exchange.result.message();
    return std::move(exchange.response);
  }

  struct sync_result {
    std::size_t pages = 0;
    std::vector<json::object> rows;
    std::vector<std::string> deleted;
    std::string delta_link;
  };

  /// Follows nextLinks until the page that carries the deltaLink.
  sync_result follow(std::string url) {
    sync_result out;
    const std::string prefer = "odata.track-changes,odata.maxpagesize=5000";
    while (!url.empty()) {
      const auto response = get(url, prefer);
      EXPECT_EQ(response.status_code, 200) << response.body.substr(0, 400);
      if (response.status_code != 200) break;
      ++out.pages;
      const auto page = json::parse(response.body).as_object();
      for (const auto& v : page.at("value").as_array()) {
        const auto& row = v.as_object();
        const auto* context = row.if_contains("@odata.context");
        if (context != nullptr && context->as_string().ends_with("$deletedEntity")) {
          EXPECT_EQ(row.at("reason").as_string(), "deleted");
          out.deleted.emplace_back(row.at("id").as_string());
        } else {
          out.rows.push_back(row);
        }
      }
      url.clear();
      if (const auto* next = page.if_contains("@odata.nextLink")) {
        EXPECT_FALSE(page.contains("@odata.deltaLink")) << "a deltaLink before the last page";
        url = std::string(next->as_string());
      } else if (const auto* delta = page.if_contains("@odata.deltaLink")) {
        out.delta_link = std::string(delta->as_string());
      }
    }
    return out;
  }

  std::string contacts_url() const {
    return sandbox_->url("dataverse") +
           "/api/data/v9.2/contacts?$select=firstname,lastname,emailaddress1,modifiedon";
  }

  static sandbox::sandbox* sandbox_;
  std::unique_ptr<host::https_client> client_;
  std::unique_ptr<sdk::token_provider> tokens_;
};

sandbox::sandbox* DataverseSync::sandbox_ = nullptr;

TEST_F(DataverseSync, InitialLoadThenOnlyChangesThenDeletes) {
  const auto initial = follow(contacts_url());
  ASSERT_EQ(initial.rows.size(), row_count);
  EXPECT_EQ(initial.pages, row_count / 5000);
  EXPECT_TRUE(initial.deleted.empty());
  ASSERT_FALSE(initial.delta_link.empty());
  std::set<std::string> ids;
  for (const auto& r : initial.rows) ids.emplace(r.at("contactid").as_string());
  EXPECT_EQ(ids.size(), row_count);
  EXPECT_TRUE(initial.rows.front().contains("emailaddress1"));

  // Nothing changed: an empty delta with a new link.
  const auto quiet = follow(initial.delta_link);
  EXPECT_TRUE(quiet.rows.empty());
  EXPECT_TRUE(quiet.deleted.empty());
  ASSERT_FALSE(quiet.delta_link.empty());

  // 100 updates, 10 new rows and 20 deletions, made as users would.
  auto& dataverse = sandbox_->emulator_as<sandbox::dataverse_emulator>("dataverse");
  std::vector<std::string> all(ids.begin(), ids.end());
  json::array changes;
  std::set<std::string> updated;
  for (std::size_t i = 0; i < 100; ++i) {
    changes.push_back({{"contactid", all[i]}, {"lastname", "Changed" + std::to_string(i)}});
    updated.insert(all[i]);
  }
  for (std::size_t i = 0; i < 10; ++i) {
    changes.push_back({{"firstname", "New"},
                       {"lastname", "Contact" + std::to_string(i)},
                       {"emailaddress1", "new" + std::to_string(i) + "@example.com"}});
  }
  const auto written = dataverse.upsert_rows("contacts", changes);
  ASSERT_EQ(written.size(), 110u);
  const std::vector<std::string> doomed(all.end() - 20, all.end());
  EXPECT_EQ(dataverse.delete_rows("contacts", doomed), 20u);

  const auto delta = follow(quiet.delta_link);
  EXPECT_EQ(delta.rows.size(), 110u);
  std::size_t seen_updates = 0;
  for (const auto& r : delta.rows) {
    const std::string id(r.at("contactid").as_string());
    if (updated.contains(id)) {
      ++seen_updates;
      EXPECT_THAT(std::string(r.at("lastname").as_string()), HasSubstr("Changed"));
    }
  }
  EXPECT_EQ(seen_updates, 100u);
  EXPECT_EQ(std::set<std::string>(delta.deleted.begin(), delta.deleted.end()),
            std::set<std::string>(doomed.begin(), doomed.end()));
  ASSERT_FALSE(delta.delta_link.empty());

  // After the tokens expire, the old link fails with the documented message.
  dataverse.expire_delta_tokens();
  const auto expired = get(delta.delta_link, "odata.track-changes");
  EXPECT_EQ(expired.status_code, 400);
  EXPECT_THAT(expired.body, HasSubstr("Version stamp associated with the client has expired"));
}

}  // namespace
}  // namespace switchboard::test
