// The sandbox and in-process host the opt-out tests run against: Dataverse contacts and Campaign
// profiles (externalId = contactid, byExternalId filter), the templates' connections, and helpers
// to change and read each side.
#pragma once

#include "sandbox/campaign/campaign_emulator.hpp"
#include "sandbox/dataverse/dataverse_emulator.hpp"
#include "sandbox/sandbox.hpp"
#include "support/test_host.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace switchboard::test {

/// config/templates of the source tree.
std::filesystem::path template_dir();

class opt_out_world {
 public:
  /// A sandbox with the ingress schema (the byExternalId filter) unless `without_lookup`, and
  /// the templates' environment variables set to it.
  explicit opt_out_world(bool without_lookup = false);

  sandbox::dataverse_emulator& dataverse();
  sandbox::campaign_emulator& campaign();
  sandbox::sandbox& box() { return *box_; }
  test_host& host() { return host_; }

  /// Configures tenant "acme" with the templates' connections, plugins dynamics365, campaign,
  /// opt-out and mock, and these routes.
  void configure(boost::json::array routes);
  /// One run of one route.
  host::route_outcome run(std::string_view route);
  /// Dead letters of one route, oldest first.
  std::vector<host::dead_letter> dead_letters(std::string_view route);

  /// Creates a contact (donot* columns false, donotemail = `d`) and its profile (externalId =
  /// id, blackListEmail = `c`).
  void create(const std::string& id, bool d, bool c);
  /// Updates contact columns as a person would (modifiedon moves).
  void set_dynamics(const std::string& id, const boost::json::object& columns);
  /// Updates profile attributes as a person would (lastModified moves).
  void set_campaign(const std::string& id, const boost::json::object& attributes);
  bool dynamics_value(const std::string& id, std::string_view column = "donotemail");
  bool campaign_value(const std::string& id, std::string_view attribute = "blackListEmail");
  const std::string& pkey(const std::string& id) const { return pkeys_.at(id); }
  /// PATCHes of contacts and profiles the sandbox served so far.
  std::uint64_t writes();

 private:
  std::unique_ptr<sandbox::sandbox> box_;
  test_host host_;
  std::map<std::string, std::string> pkeys_;
};

}  // namespace switchboard::test
