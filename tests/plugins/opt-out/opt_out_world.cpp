// The opt-out tests' sandbox and host.
#include "opt_out_world.hpp"

#include "sandbox/ingress_schema.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>

namespace switchboard::test {
namespace json = boost::json;
namespace sbx = switchboard::sandbox;

std::filesystem::path template_dir() {
  return std::filesystem::path(SWITCHBOARD_TEST_SOURCE_DIR) / "config/templates";
}

opt_out_world::opt_out_world(bool without_lookup) : box_(std::make_unique<sbx::sandbox>()) {
  if (!without_lookup) sbx::define_ingress_schema(*box_);
  for (const auto& [name, value] : sbx::template_environment(*box_)) {
    ::setenv(name.c_str(), value.c_str(), 1);
  }
}

sbx::dataverse_emulator& opt_out_world::dataverse() {
  return box_->emulator_as<sbx::dataverse_emulator>("dataverse");
}

sbx::campaign_emulator& opt_out_world::campaign() {
  return box_->emulator_as<sbx::campaign_emulator>("campaign");
}

void opt_out_world::configure(json::array routes) {
  const json::object tenant{
      {"id", "acme"},
      {"plugins", json::array{"dynamics365", "campaign", "opt-out", "mock"}},
      {"connections", sbx::read_template(template_dir() / "connections-dynamics-campaign.json")},
      {"routes", std::move(routes)}};
  host_.configure_tenant(json::serialize(tenant),
                         fmt::format(R"("http": {{"ca_file": "{}"}})", box_->ca_file().string()));
}

host::route_outcome opt_out_world::run(std::string_view route) {
  auto outcomes = host_.run_once({"acme", std::string(route)});
  EXPECT_EQ(outcomes.size(), 1u) << route;
  return outcomes.empty() ? host::route_outcome{} : outcomes.front();
}

std::vector<host::dead_letter> opt_out_world::dead_letters(std::string_view route) {
  return host_.state().dead_letters(host::route_key{"acme", std::string(route)}, 1000);
}

void opt_out_world::create(const std::string& id, bool d, bool c) {
  dataverse().upsert_rows(
      "contact", json::array{json::object{{"contactid", id},
                                          {"lastname", "Case"},
                                          {"emailaddress1", id.substr(0, 8) + "@example.com"},
                                          {"donotemail", d},
                                          {"donotphone", false},
                                          {"donotpostalmail", false},
                                          {"donotfax", false},
                                          {"donotsendmm", false}}});
  const auto reply = campaign().control(
      "create_record", "POST",
      json::object{{"resource", "profile"},
                   {"fields", json::object{{"externalId", id},
                                           {"email", id.substr(0, 8) + "@example.com"},
                                           {"lastName", "Case"},
                                           {"blackListEmail", c}}}});
  ASSERT_TRUE(reply && reply->status == 200) << (reply ? reply->body : "no reply");
  pkeys_[id] = std::string(json::parse(reply->body).as_object().at("PKey").as_string());
}

void opt_out_world::set_dynamics(const std::string& id, const json::object& columns) {
  json::object row = columns;
  row["contactid"] = id;
  dataverse().upsert_rows("contact", json::array{std::move(row)});
}

void opt_out_world::set_campaign(const std::string& id, const json::object& attributes) {
  const auto reply = campaign().control(
      "update_record", "POST",
      json::object{{"resource", "profile"}, {"pkey", pkeys_.at(id)}, {"fields", attributes}});
  ASSERT_TRUE(reply && reply->status == 200) << (reply ? reply->body : "no reply");
}

bool opt_out_world::dynamics_value(const std::string& id, std::string_view column) {
  for (const auto& row : dataverse().rows("contact")) {
    if (row.at("contactid").as_string() == id) return row.at(column).as_bool();
  }
  ADD_FAILURE() << "no contact " << id;
  return false;
}

bool opt_out_world::campaign_value(const std::string& id, std::string_view attribute) {
  for (const auto& p : campaign().records("profile")) {
    if (p.at("externalId").as_string() == id) return p.at(attribute).as_bool();
  }
  ADD_FAILURE() << "no profile " << id;
  return false;
}

std::uint64_t opt_out_world::writes() {
  return box_->service("dataverse").faults().count("PATCH contacts") +
         box_->service("campaign").faults().count("PATCH profile");
}

}  // namespace switchboard::test
