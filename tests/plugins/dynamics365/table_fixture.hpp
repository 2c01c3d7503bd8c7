// A sandbox and an in-process host running one route: dynamics365.table → mock.sink (jsonl),
// with the connection "d365" authenticated against the sandbox's Entra ID.
#pragma once

#include "mapping/mapping.hpp"
#include "sandbox/dataverse/dataverse_emulator.hpp"
#include "sandbox/sandbox.hpp"
#include "support/test_host.hpp"
#include "switchboard/host/http_client.hpp"
#include "switchboard/host/token_providers.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace switchboard::test::d365 {

namespace json = boost::json;

/// One line mock.sink wrote.
struct sink_line {
  std::string key;
  std::string op;  ///< "upsert" or "delete"
  json::object fields;
};

/// Route options the tests vary: route_options().source("{…}").mapping("{…}").batch(100).
struct route_options {
  std::string source_config = R"({"table": "contact", "columns": ["firstname", "lastname"]})";
  std::string mapping_json;  ///< the route's "mapping" object, or "" for none
  std::size_t batch_size = 1000;
  int max_attempts = 5;

  route_options& source(std::string config) {
    source_config = std::move(config);
    return *this;
  }
  route_options& mapping(std::string json) {
    mapping_json = std::move(json);
    return *this;
  }
  route_options& batch(std::size_t n) {
    batch_size = n;
    return *this;
  }
  route_options& attempts(int n) {
    max_attempts = n;
    return *this;
  }
};

class TableFixture : public ::testing::Test {
 protected:
  static constexpr const char* route_id = "contacts";

  void SetUp() override { sandbox_ = std::make_unique<sandbox::sandbox>(); }
  void TearDown() override {
    if (!HasFailure() && std::getenv("SWITCHBOARD_TEST_SHOW_LOG") == nullptr) return;
    const auto log = host_.log_text();
    std::cerr << "host log (end):\n" << log.substr(log.size() > 6000 ? log.size() - 6000 : 0);
  }

  sandbox::dataverse_emulator& dataverse() {
    return sandbox_->emulator_as<sandbox::dataverse_emulator>("dataverse");
  }
  sandbox::fault_injector& faults() { return sandbox_->service("dataverse").faults(); }
  std::string dataverse_url() const { return sandbox_->url("dataverse"); }

  /// (Re)configures the host with the route; keeps the state store.
  void configure(const route_options& o = route_options()) {
    const auto& c = sandbox_->credentials();
    const auto tenant = fmt::format(
        R"({{"id": "acme", "plugins": ["dynamics365", "mock"],
  "connections": {{"d365": {{"plugin": "dynamics365",
    "options": {{"url": "{0}", "connection": "d365"}},
    "auth": {{"type": "entra_secret", "authority": "{1}", "tenant": "{2}", "client_id": "{3}",
             "client_secret": "{4}", "resource": "{0}"}}}}}},
  "routes": [{{"id": "{5}", "batch_size": {6}, {7}
    "source": {{"component": "dynamics365.table", "connection": "d365", "config": {8}}},
    "sink": {{"component": "mock.sink", "config": {{"mode": "jsonl", "path": "{9}"}}}},
    "error_policy": {{"max_attempts": {10}, "initial_backoff": "10ms", "max_backoff": "50ms"}}}}]}})",
        dataverse_url(), sandbox_->url("entra"), c.entra_tenant, c.entra_client_id,
        c.entra_client_secret, route_id, o.batch_size,
        o.mapping_json.empty() ? std::string() : "\"mapping\": " + o.mapping_json + ",",
        o.source_config, sink_file().string(), o.max_attempts);
    host_.configure_tenant(
        tenant, fmt::format(R"("http": {{"ca_file": "{}"}})", sandbox_->ca_file().string()));
  }

  /// Runs the route once (until the source is caught up) and returns its outcome.
  host::route_outcome run() {
    auto outcomes = host_.run_once();
    EXPECT_EQ(outcomes.size(), 1u);
    return outcomes.empty() ? host::route_outcome{} : outcomes.front();
  }

  std::filesystem::path sink_file() const { return host_.path("sink.jsonl"); }

  /// Every line the sink wrote so far.
  std::vector<sink_line> sink_lines() const {
    std::vector<sink_line> out;
    for (const auto& line : read_lines(sink_file())) {
      if (line.empty()) continue;
      const auto v = json::parse(line).as_object();
      sink_line l;
      l.key = std::string(v.at("key").as_string());
      l.op = std::string(v.at("op").as_string());
      if (const auto* f = v.if_contains("fields")) l.fields = f->as_object();
      out.push_back(std::move(l));
    }
    return out;
  }

  /// Lines written since `from` lines.
  std::vector<sink_line> sink_lines_since(std::size_t from) const {
    auto all = sink_lines();
    if (from >= all.size()) return {};
    return {std::make_move_iterator(all.begin() + static_cast<std::ptrdiff_t>(from)),
            std::make_move_iterator(all.end())};
  }

  static std::set<std::string> keys_of(const std::vector<sink_line>& lines) {
    std::set<std::string> out;
    for (const auto& l : lines) out.insert(l.key);
    return out;
  }

  /// Every row of a table as the emulator holds it, by primary id.
  std::map<std::string, json::object> table_rows(const std::string& table,
                                                 const std::string& primary_id) {
    std::map<std::string, json::object> out;
    for (const auto& r : dataverse().rows(table)) {
      const auto& o = r.as_object();
      out.emplace(std::string(o.at(primary_id).as_string()), o);
    }
    return out;
  }

  std::set<std::string> contact_ids() {
    std::set<std::string> out;
    for (const auto& [id, row] : table_rows("contacts", "contactid")) out.insert(id);
    return out;
  }

  /// The route's committed cursor, parsed ({} when none or not JSON).
  json::object cursor() {
    const auto text = host_.state().cursor({"acme", route_id});
    if (!text) return {};
    boost::system::error_code ec;
    auto v = json::parse(*text, ec);
    return ec || !v.is_object() ? json::object{} : v.as_object();
  }

  std::size_t requests(const std::string& kind) { return faults().count(kind); }

  /// A GET straight to the emulator, authorised like the plugin, outside the host.
  sdk::http_response raw_get(const std::string& url, const std::string& prefer = "") {
    if (!raw_client_) {
      host::http_client_options options;
      options.ca_file = sandbox_->ca_file().string();
      raw_client_ = host::make_http_client(options, nullptr);
      const auto& c = sandbox_->credentials();
      host::entra_secret_options entra;
      entra.authority = sandbox_->url("entra");
      entra.tenant = c.entra_tenant;
      entra.client_id = c.entra_client_id;
      entra.client_secret = c.entra_client_secret;
      entra.resource = dataverse_url();
      raw_tokens_ = host::make_entra_secret_provider(*raw_client_, entra);
    }
    sdk::http_request request;
    request.url = url;
    request.authorization = raw_tokens_.get();
    request.headers = {{"Accept", "application/json"}};
    if (!prefer.empty()) request.headers.push_back({"Prefer", prefer});
    auto exchange = raw_client_->send(request);
    EXPECT_TRUE(exchange.result.is_ok()) << exchange.result.message();
    return std::move(exchange.response);
  }

  /// An untracked read with FormattedValue annotations, following nextLinks: what Dataverse
  /// itself labels.
  std::vector<json::object> annotated_rows(const std::string& set, const std::string& select) {
    std::vector<json::object> out;
    std::string url = dataverse_url() + "/api/data/v9.2/" + set + "?$select=" + select;
    while (!url.empty()) {
      const auto response =
          raw_get(url, R"(odata.include-annotations="OData.Community.Display.V1.FormattedValue")");
      EXPECT_EQ(response.status_code, 200) << response.body;
      if (response.status_code != 200) break;
      const auto page = json::parse(response.body).as_object();
      for (const auto& row : page.at("value").as_array()) out.push_back(row.as_object());
      url.clear();
      if (const auto* next = page.if_contains("@odata.nextLink")) {
        url = std::string(next->as_string());
      }
    }
    return out;
  }

  std::unique_ptr<sandbox::sandbox> sandbox_;
  test_host host_;
  std::unique_ptr<host::https_client> raw_client_;
  std::unique_ptr<sdk::token_provider> raw_tokens_;
};

}  // namespace switchboard::test::d365
