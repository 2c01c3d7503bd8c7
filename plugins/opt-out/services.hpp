// What the opt-out components need from the two services: Campaign profiles (looked up by
// externalId, listed by last change, their opt-out attributes written and confirmed) and
// Dataverse contacts (read by id, their boolean columns written). Each write answers the
// service's own change time, which the consent state keeps to recognise the write coming back.
#pragma once

#include "switchboard/sdk/config.hpp"
#include "switchboard/sdk/context.hpp"
#include "switchboard/sdk/http.hpp"
#include "switchboard/sdk/status.hpp"

#include <boost/json/object.hpp>

#include <array>
#include <chrono>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchboard::optout {

using time_point = std::chrono::system_clock::time_point;

/// Campaign's fixed opt-out attributes, by their REST names.
inline constexpr std::array<std::string_view, 8> campaign_attributes{
    "blackList",           "blackListEmail", "blackListMobile",           "blackListPhone",
    "blackListPostalMail", "blackListFax",   "blackListPushnotification", "ccpaOptOut"};

/// The REST name of an opt-out attribute given by its REST or UI name, in any case
/// ("denyListEmail" → "blackListEmail"); nullopt when it is none of them.
std::optional<std::string> canonical_attribute(std::string_view name);

/// Boolean values by attribute or column name.
using value_map = std::map<std::string, bool, std::less<>>;

/// A profile's opt-out state as Campaign shows it.
struct profile_state {
  std::string pkey;
  std::string external_id;
  value_map values;  ///< by REST name
  time_point last_modified{};
};

/// A contact's opt-out columns as Dataverse shows them.
struct contact_state {
  value_map values;  ///< by column
  time_point modified_on{};
};

/// A lookup's outcome: ok with the state, ok without one (there is none), or why it failed.
template <class State>
struct found {
  sdk::status status;
  std::optional<State> state;
};

/// A write's outcome: on success, the record's change time as the service reports it after the
/// write (the echo the reading side will see).
struct written {
  sdk::status status;
  time_point changed_at{};
  bool gone = false;  ///< the record no longer exists (nothing was written)
};

struct campaign_settings {
  std::string url;  ///< "https://mc.adobe.io/<org>"
  std::string api_key;
  std::string connection = "acs";
  std::string api = "profileAndServicesExt";
  std::chrono::milliseconds timeout{30000};
  std::size_t concurrency = 8;
};

/// The campaign_* options (prefixed) of the opt-out components.
void add_campaign_options(sdk::config_schema& schema);
campaign_settings parse_campaign_settings(std::string_view component, const sdk::options& options);

class campaign_profiles {
 public:
  /// Reads the profile resource's metadata (the wire names of the opt-out attributes: blackList…
  /// or denyList…) and, with `need_lookup`, its filters (the one looking profiles up by
  /// externalId). Throws std::invalid_argument for what configuration must fix, and
  /// std::runtime_error when Campaign cannot be read.
  campaign_profiles(campaign_settings settings, sdk::context& ctx, std::string_view component,
                    bool need_lookup);

  /// One lookup per external id (concurrently), in order.
  std::vector<found<profile_state>> find(std::span<const std::string> external_ids);
  /// PATCHes the attributes (REST names) of a profile, then GETs it to confirm (Campaign's
  /// recommended update flow) and to read its lastModified.
  written write(const std::string& pkey, const value_map& values);

  /// A page of profiles, newest change first: `url` empty for the first page.
  struct page {
    sdk::status status;
    std::vector<profile_state> profiles;
    std::string next;  ///< the next page's URL, empty at the end
  };
  page changed_first(std::size_t line_count);
  page changed_next(const std::string& url);

  /// Reads a profile document (REST names in `values`); nullopt when it has no PKey.
  std::optional<profile_state> read_profile(const boost::json::object& document) const;

 private:
  sdk::http_request request(std::string method, std::string url, std::string body = {}) const;
  page read_page(const std::string& url);

  campaign_settings settings_;
  sdk::context& ctx_;
  sdk::http_client& http_;
  sdk::token_provider& tokens_;
  std::string component_;
  std::string profile_url_;  ///< {url}/campaign/{api}/profile
  std::string lookup_;       ///< "<filter>?<parameter>=" on externalId
  std::map<std::string, std::string, std::less<>> wire_names_;  ///< REST name → wire name
};

struct dataverse_settings {
  std::string url;  ///< "https://org.crm.dynamics.com"
  std::string api_version = "v9.2";
  std::string connection = "d365";
  std::chrono::milliseconds timeout{30000};
};

/// The dynamics_* options (prefixed) of the opt-out components.
void add_dataverse_options(sdk::config_schema& schema);
dataverse_settings parse_dataverse_settings(std::string_view component,
                                            const sdk::options& options);

class dataverse_contacts {
 public:
  /// Checks that the contact table has these columns (one $select read). Throws as
  /// campaign_profiles does.
  dataverse_contacts(dataverse_settings settings, std::vector<std::string> columns,
                     sdk::context& ctx, std::string_view component);

  /// The contacts with these ids (several per request), in order.
  std::vector<found<contact_state>> find(std::span<const std::string> ids);
  /// PATCHes columns of an existing contact (If-Match: *, never a create) and reads back its
  /// modifiedon.
  written write(const std::string& id, const value_map& values);

  /// Reads a contact row; a column that is not a boolean (or null, read as false) is an error.
  static sdk::status read_contact(const boost::json::object& row,
                                  std::span<const std::string> columns, contact_state& out);

 private:
  sdk::http_request request(std::string method, std::string url, std::string body = {}) const;

  dataverse_settings settings_;
  std::vector<std::string> columns_;
  sdk::context& ctx_;
  sdk::http_client& http_;
  sdk::token_provider& tokens_;
  std::string component_;
  std::string contacts_url_;  ///< {url}/api/data/{version}/contacts
  std::string select_;        ///< "contactid,modifiedon,<columns>"
};

}  // namespace switchboard::optout
