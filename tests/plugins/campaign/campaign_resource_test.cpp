// campaign.resource against the sandbox's Campaign emulator over HTTPS, through the in-process
// host and the real plugins: mock.source replays Dataverse-shaped contact rows from a JSONL file.
#include "mapping/mapping.hpp"
#include "sandbox/campaign/campaign_emulator.hpp"
#include "sandbox/sandbox.hpp"
#include "support/test_host.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace switchboard::test {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;

/// A Dataverse contact id (GUID) for a small number.
std::string contact_id(int n) { return fmt::format("00000000-0000-4000-8000-{:012}", n); }

/// A contact row as the Dataverse source hands it out.
json::object contact(const std::string& id, std::string_view first, std::string_view last,
                     std::string_view email = "", std::string_view mobile = "", int statecode = 0) {
  json::object fields{{"contactid", id},
                      {"firstname", first},
                      {"lastname", last},
                      {"emailaddress1", email.empty() ? json::value(nullptr) : json::value(email)},
                      {"mobilephone", mobile.empty() ? json::value(nullptr) : json::value(mobile)},
                      {"statecode", statecode}};
  return json::object{{"key", id}, {"op", "upsert"}, {"fields", std::move(fields)}};
}

/// A deleted contact.
json::object removal(const std::string& id) { return json::object{{"key", id}, {"op", "delete"}}; }

/// contact → profile, the key in externalId; mobile phone written on create and replay only.
std::string contacts_mapping(std::string_view extra = "") {
  return fmt::format(R"({{"name": "contacts",
    "source": {{"table": "contact", "key": "contactid"}},
    "target": {{"resource": "profile", "key": "externalId"}},
    "fields": [{{"source": "firstname", "target": "firstName"}},
               {{"source": "lastname", "target": "lastName"}},
               {{"source": "emailaddress1", "target": "email"}},
               {{"source": "mobilephone", "target": "mobilePhone", "apply_updates": false}}]{}{}}})",
                     extra.empty() ? "" : ", ", extra);
}

class CampaignResource : public ::testing::Test {
 protected:
  CampaignResource() : campaign_(sandbox_.emulator_as<sandbox::campaign_emulator>("campaign")) {
    // The documented CRM-ID key: an identification key on externalId and a filter on it.
    campaign_.extend_profile(
        {}, {{"byExternalId", "By external id", {{"externalId_parameter", "externalId"}}, true}},
        {"externalId"});
    write_file(input(), "");
  }

  std::filesystem::path input() const { return host_.path("contacts.jsonl"); }

  /// Appends rows to the file mock.source replays (it resumes after what it already read).
  void append(const std::vector<json::object>& rows) {
    std::string text = read_file(input());
    for (const auto& r : rows) text += json::serialize(r) + "\n";
    write_file(input(), text);
  }

  /// The tenant: connection "acs" (plugin campaign, IMS auth), one route "contacts" from
  /// mock.source (the JSONL file) to `sink_component` with the route's `mapping`.
  std::string tenant(const std::string& mapping, const std::string& sink_config = "{}",
                     const std::string& route_extra = "",
                     const std::string& connection_extra = "") const {
    const auto& c = sandbox_.credentials();
    return fmt::format(
        R"({{"id": "acme", "plugins": ["mock", "campaign"],
  "connections": {{"acs": {{"plugin": "campaign",
    "options": {{"url": "{}/{}", "api_key": "{}", "connection": "acs"{}}},
    "auth": {{"type": "ims_oauth", "ims_url": "{}", "client_id": "{}", "client_secret": "{}"}}}}}},
  "routes": [{{"id": "contacts",
    "source": {{"component": "mock.source", "config": {{"jsonl": "{}"}}}},
    "sink": {{"component": "campaign.resource", "connection": "acs", "config": {}}},
    "mapping": {},
    "error_policy": {{"max_attempts": 6, "initial_backoff": "10ms", "max_backoff": "100ms"}}{}}}]}})",
        sandbox_.url("campaign"), sandbox_.credentials().campaign_organization, c.ims_client_id,
        connection_extra, sandbox_.url("ims"), c.ims_client_id, c.ims_client_secret,
        input().string(), sink_config, mapping, route_extra);
  }

  std::string http_config() const {
    return fmt::format(R"("http": {{"ca_file": "{}"}})", sandbox_.ca_file().string());
  }

  void configure(const std::string& mapping = contacts_mapping(),
                 const std::string& sink_config = "{}", const std::string& route_extra = "") {
    host_.configure_tenant(tenant(mapping, sink_config, route_extra), http_config());
  }

  /// Runs the route once; the outcome of route "contacts".
  host::route_outcome run() {
    auto outcomes = host_.run_once();
    EXPECT_EQ(outcomes.size(), 1u);
    if (outcomes.empty()) return {};
    return outcomes.front();
  }

  /// Runs and expects success without dead letters.
  void run_ok() {
    const auto outcome = run();
    ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
    ASSERT_EQ(outcome.counts.dead_lettered, 0u) << dead_letter_reasons();
  }

  std::string dead_letter_reasons() {
    std::string out;
    for (const auto& d : host_.state().dead_letters(route_, 20)) out += d.reason + "\n";
    return out;
  }

  /// Every record of a resource, by the value of `key_field`.
  std::map<std::string, json::object> records(std::string_view resource = "profile",
                                              std::string_view key_field = "externalId") const {
    std::map<std::string, json::object> out;
    for (const auto& v : campaign_.records(resource)) {
      const auto& o = v.as_object();
      const auto* k = o.if_contains(key_field);
      out[k != nullptr && k->is_string() ? std::string(k->as_string()) : std::string()] = o;
    }
    return out;
  }

  std::size_t record_count(std::string_view resource = "profile") const {
    return campaign_.records(resource).size();
  }

  sandbox::fault_injector& faults() { return sandbox_.service("campaign").faults(); }

  /// POST, PATCH and DELETE requests on a resource since the counters were reset.
  std::uint64_t writes(std::string_view resource = "profile") {
    return faults().count(fmt::format("POST {}", resource)) +
           faults().count(fmt::format("PATCH {}", resource)) +
           faults().count(fmt::format("DELETE {}", resource));
  }

  double metric(std::string_view name) {
    return host_.metrics().value(name, {"acme", "contacts", "campaign.resource"});
  }

  std::optional<host::id_entry> id_of(const std::string& key) {
    return host_.state().find_id(route_, key);
  }

  void add_fault(std::string_view rule) {
    faults().add(sandbox::fault_rule::from_json(json::parse(rule)));
  }

  sandbox::sandbox sandbox_;
  sandbox::campaign_emulator& campaign_;
  test_host host_;
  host::route_key route_{"acme", "contacts"};
};

/// The string value of a record's field ("" when absent).
std::string text(const json::object& record, std::string_view field) {
  const auto* v = record.if_contains(field);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

TEST_F(CampaignResource, CreatesProfilesFieldByField) {
  append({contact(contact_id(1), "Ada", "Lovelace", "ada@example.com", "+44 20 7946 0000"),
          contact(contact_id(2), "Alan", "Turing", "alan@example.com"),
          contact(contact_id(3), "Grace", "Hopper")});
  configure();
  run_ok();

  const auto profiles = records();
  ASSERT_EQ(profiles.size(), 3u);
  const auto& ada = profiles.at(contact_id(1));
  EXPECT_EQ(text(ada, "firstName"), "Ada");
  EXPECT_EQ(text(ada, "lastName"), "Lovelace");
  EXPECT_EQ(text(ada, "email"), "ada@example.com");
  EXPECT_EQ(text(ada, "mobilePhone"), "+44 20 7946 0000");
  EXPECT_EQ(text(profiles.at(contact_id(2)), "lastName"), "Turing");
  EXPECT_EQ(text(profiles.at(contact_id(3)), "email"), "");
  EXPECT_EQ(faults().count("POST profile"), 3u);
  EXPECT_EQ(faults().count("PATCH profile"), 0u);
  EXPECT_EQ(faults().count("GET profile"), 0u) << "no lookups without a reason";

  // The id map holds Campaign's PKey and the hash of what was written.
  const auto id = id_of(contact_id(1));
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->target_key, text(ada, "PKey"));
  EXPECT_EQ(id->payload_hash.size(), 64u);
  EXPECT_EQ(metric("creates_total"), 3);
  EXPECT_EQ(metric("campaign_requests_total"), 5) << "two metadata reads, three creates";
}

TEST_F(CampaignResource, UpdatesPatchOnlyChangedRecords) {
  append({contact(contact_id(1), "Ada", "Lovelace", "ada@example.com"),
          contact(contact_id(2), "Alan", "Turing", "alan@example.com"),
          contact(contact_id(3), "Grace", "Hopper", "grace@example.com")});
  configure();
  run_ok();
  const auto pkey = text(records().at(contact_id(1)), "PKey");
  faults().reset_counts();

  append({contact(contact_id(1), "Ada", "King", "ada@example.com"),
          contact(contact_id(2), "Alan", "Turing", "alan@example.com")});
  run_ok();
  EXPECT_EQ(faults().count("PATCH profile"), 1u);
  EXPECT_EQ(faults().count("POST profile"), 0u);
  EXPECT_EQ(faults().count("DELETE profile"), 0u);
  const auto profiles = records();
  ASSERT_EQ(profiles.size(), 3u);
  EXPECT_EQ(text(profiles.at(contact_id(1)), "lastName"), "King");
  EXPECT_EQ(text(profiles.at(contact_id(1)), "PKey"), pkey);
  EXPECT_EQ(text(profiles.at(contact_id(2)), "lastName"), "Turing");
  EXPECT_EQ(metric("updates_total"), 1);
  EXPECT_EQ(metric("writes_skipped_total"), 1);
}

TEST_F(CampaignResource, UnchangedRerunSendsNoWrites) {
  std::vector<json::object> rows;
  for (int i = 1; i <= 40; ++i) {
    rows.push_back(contact(contact_id(i), "First" + std::to_string(i), "Last" + std::to_string(i),
                           fmt::format("c{}@example.com", i), "+1 555 0100"));
  }
  append(rows);
  configure();
  run_ok();
  ASSERT_EQ(record_count(), 40u);
  faults().reset_counts();

  // The whole source again (as after a lost cursor): every payload hashes as stored.
  host_.state().reset_cursor(route_);
  run_ok();
  EXPECT_EQ(writes(), 0u);
  EXPECT_EQ(faults().count("GET profile"), 0u);
  EXPECT_EQ(metric("writes_skipped_total"), 40);
  EXPECT_EQ(record_count(), 40u);
}

TEST_F(CampaignResource, ApplyUpdatesOffFieldIsWrittenOnCreateAndReplayOnly) {
  const auto id = contact_id(1);
  append({contact(id, "Ada", "Lovelace", "ada@example.com", "111")});
  configure();
  run_ok();
  EXPECT_EQ(text(records().at(id), "mobilePhone"), "111");

  // An update carries the other fields only.
  append({contact(id, "Ada", "Byron", "ada@example.com", "222")});
  run_ok();
  EXPECT_EQ(text(records().at(id), "lastName"), "Byron");
  EXPECT_EQ(text(records().at(id), "mobilePhone"), "111");

  // A change of that field alone changes nothing to write.
  faults().reset_counts();
  append({contact(id, "Ada", "Byron", "ada@example.com", "333")});
  run_ok();
  EXPECT_EQ(writes(), 0u);
  EXPECT_EQ(text(records().at(id), "mobilePhone"), "111");

  // A replay writes every field of every record, unchanged-looking ones included.
  host_.state().kv_put(route_, host::replay_state_key, host::replay_requested);
  run_ok();
  EXPECT_EQ(faults().count("POST profile"), 0u);
  EXPECT_EQ(faults().count("PATCH profile"), 1u) << "three rows of one key, one write";
  EXPECT_EQ(text(records().at(id), "mobilePhone"), "333");
  EXPECT_EQ(text(records().at(id), "lastName"), "Byron");
  EXPECT_FALSE(host_.state().kv_get(route_, host::replay_state_key).has_value());

  // After the replay, updates leave the field alone again.
  faults().reset_counts();
  append({contact(id, "Ada", "Byron", "ada@example.com", "444")});
  run_ok();
  EXPECT_EQ(writes(), 0u);
  EXPECT_EQ(text(records().at(id), "mobilePhone"), "333");
}

TEST_F(CampaignResource, DeletesFollowApplyDeletes) {
  append({contact(contact_id(1), "Ada", "Lovelace"), contact(contact_id(2), "Alan", "Turing")});
  configure();
  run_ok();
  ASSERT_TRUE(id_of(contact_id(1)).has_value());
  faults().reset_counts();

  append({removal(contact_id(1))});
  run_ok();
  EXPECT_EQ(faults().count("DELETE profile"), 1u);
  const auto profiles = records();
  EXPECT_EQ(profiles.size(), 1u);
  EXPECT_TRUE(profiles.contains(contact_id(2)));
  EXPECT_FALSE(id_of(contact_id(1)).has_value());
  EXPECT_EQ(metric("deletes_total"), 1);

  // Deleting again (already gone in Campaign, no id map entry) is a no-op.
  faults().reset_counts();
  append({removal(contact_id(1))});
  run_ok();
  EXPECT_EQ(writes(), 0u);
}

TEST_F(CampaignResource, DeletesAreIgnoredWhenApplyDeletesIsOff) {
  append({contact(contact_id(1), "Ada", "Lovelace"), contact(contact_id(2), "Alan", "Turing")});
  configure(contacts_mapping(R"("apply_deletes": false)"));
  run_ok();
  faults().reset_counts();

  append({removal(contact_id(1))});
  run_ok();
  EXPECT_EQ(writes(), 0u);
  EXPECT_EQ(record_count(), 2u);
}

TEST_F(CampaignResource, ProfilesTheRouteDidNotCreateAreLeftAlone) {
  const auto theirs = contact_id(9);
  ASSERT_EQ(campaign_
                .control("create_record", "POST",
                         json::object{{"fields", {{"externalId", theirs}, {"lastName", "Theirs"}}}})
                ->status,
            200);
  append({contact(contact_id(1), "Ada", "Lovelace"), removal(theirs)});
  configure();
  run_ok();
  EXPECT_EQ(record_count(), 2u);
  EXPECT_EQ(faults().count("DELETE profile"), 0u);
  EXPECT_EQ(text(records().at(theirs), "lastName"), "Theirs");
}

TEST_F(CampaignResource, FilteredOutRecordsAreDeletedWhenAsked) {
  append({contact(contact_id(1), "Ada", "Lovelace", "", "", 0),
          contact(contact_id(2), "Alan", "Turing", "", "", 0),
          contact(contact_id(3), "Inactive", "Contact", "", "", 1)});
  configure(contacts_mapping(R"("filters": {"combine": "and", "delete_filtered_out": true,
      "rules": [{"field": "statecode", "op": "eq", "value": 0}]})"));
  run_ok();
  auto profiles = records();
  EXPECT_EQ(profiles.size(), 2u);
  EXPECT_FALSE(profiles.contains(contact_id(3)));
  faults().reset_counts();

  // Contact 1 is deactivated: its profile goes; contact 3 never had one.
  append({contact(contact_id(1), "Ada", "Lovelace", "", "", 1),
          contact(contact_id(3), "Inactive", "Contact", "", "", 1)});
  run_ok();
  profiles = records();
  EXPECT_EQ(profiles.size(), 1u);
  EXPECT_TRUE(profiles.contains(contact_id(2)));
  EXPECT_EQ(faults().count("DELETE profile"), 1u);
  EXPECT_FALSE(id_of(contact_id(1)).has_value());

  // Reactivated: created again.
  append({contact(contact_id(1), "Ada", "Lovelace", "", "", 0)});
  run_ok();
  EXPECT_TRUE(records().contains(contact_id(1)));
  EXPECT_TRUE(id_of(contact_id(1)).has_value());
}

TEST_F(CampaignResource, FilteredOutRecordsStayWhenNotAsked) {
  append({contact(contact_id(1), "Ada", "Lovelace", "", "", 0)});
  configure(contacts_mapping(R"("filters": {"combine": "or", "delete_filtered_out": false,
      "rules": [{"field": "statecode", "op": "eq", "value": 0}]})"));
  run_ok();
  faults().reset_counts();

  append({contact(contact_id(1), "Changed", "Lovelace", "", "", 1)});
  run_ok();
  EXPECT_EQ(writes(), 0u);
  EXPECT_EQ(text(records().at(contact_id(1)), "firstName"), "Ada");
  EXPECT_TRUE(id_of(contact_id(1)).has_value());
}

TEST_F(CampaignResource, OnlyTheLastRowOfAKeyInABatchIsWritten) {
  append({contact(contact_id(1), "Ada", "First"), contact(contact_id(2), "Alan", "Turing"),
          contact(contact_id(1), "Ada", "Second"), contact(contact_id(1), "Ada", "Third")});
  configure();
  run_ok();
  EXPECT_EQ(faults().count("POST profile"), 2u);
  EXPECT_EQ(faults().count("PATCH profile"), 0u);
  EXPECT_EQ(record_count(), 2u);
  EXPECT_EQ(text(records().at(contact_id(1)), "lastName"), "Third");
  EXPECT_TRUE(id_of(contact_id(1)).has_value());
}

TEST_F(CampaignResource, AJournaledCreateIsLookedUpInsteadOfCreatedAgain) {
  // A previous process created contact 1's profile and was killed before the host stored the
  // PKey: the profile exists, the id map has no entry, the journal names the key.
  const auto id = contact_id(1);
  const auto created = campaign_.control(
      "create_record", "POST",
      json::object{{"fields", {{"externalId", id}, {"firstName", "Ada"}, {"lastName", "L"}}}});
  ASSERT_EQ(created->status, 200) << created->body;
  const std::string pkey(json::parse(created->body).at("PKey").as_string());
  append({contact(id, "Ada", "Lovelace", "ada@example.com", "111"),
          contact(contact_id(2), "Alan", "Turing")});
  configure();
  host_.state().kv_put(route_, "campaign.pending_creates", json::serialize(json::array{id}));
  run_ok();
  EXPECT_EQ(faults().count("POST profile"), 1u) << "only contact 2 is created";
  EXPECT_EQ(faults().count("GET profile"), 1u) << "one lookup by key";
  EXPECT_EQ(faults().count("PATCH profile"), 1u);
  const auto profiles = records();
  ASSERT_EQ(profiles.size(), 2u);
  EXPECT_EQ(text(profiles.at(id), "PKey"), pkey);
  EXPECT_EQ(text(profiles.at(id), "lastName"), "Lovelace");
  EXPECT_EQ(text(profiles.at(id), "mobilePhone"), "111") << "adopted with the full payload";
  ASSERT_TRUE(id_of(id).has_value());
  EXPECT_EQ(id_of(id)->target_key, pkey);

  // The journal of this run names what it created; a restart looks nothing up for keys that
  // are in the id map.
  const auto journal = host_.state().kv_get(route_, "campaign.pending_creates");
  ASSERT_TRUE(journal.has_value());
  EXPECT_THAT(*journal, HasSubstr(contact_id(2)));
  faults().reset_counts();
  host_.state().reset_cursor(route_);
  configure();
  run_ok();
  EXPECT_EQ(faults().count("GET profile"), 0u);
  EXPECT_EQ(writes(), 0u);
}

TEST_F(CampaignResource, ADuplicateKeyOnCreateAdoptsTheExistingProfile) {
  const auto id = contact_id(1);
  const auto created = campaign_.control(
      "create_record", "POST",
      json::object{{"fields", {{"externalId", id}, {"firstName", "Old"}, {"lastName", "Name"}}}});
  ASSERT_EQ(created->status, 200) << created->body;
  const std::string pkey(json::parse(created->body).at("PKey").as_string());

  append({contact(id, "Ada", "Lovelace", "ada@example.com", "111")});
  configure();
  run_ok();
  const auto profiles = records();
  ASSERT_EQ(profiles.size(), 1u);
  EXPECT_EQ(text(profiles.at(id), "firstName"), "Ada");
  EXPECT_EQ(text(profiles.at(id), "mobilePhone"), "111");
  ASSERT_TRUE(id_of(id).has_value());
  EXPECT_EQ(id_of(id)->target_key, pkey);
  EXPECT_EQ(faults().count("GET profile"), 1u);
  EXPECT_EQ(faults().count("PATCH profile"), 1u);
}

TEST_F(CampaignResource, FaultsLeaveTheSameEndState) {
  constexpr int count = 120;
  std::map<std::string, std::string> expected_last;
  const auto row = [&expected_last](int i, const std::string& last) {
    expected_last[contact_id(i)] = last;
    return contact(contact_id(i), "First", last, fmt::format("c{}@example.com", i));
  };
  // A create that fails every attempt of the HTTP client: the host retries the record.
  add_fault(R"({"match": "POST profile", "status": 503, "count": 4})");
  append({row(1, "Last1")});
  configure(contacts_mapping(), R"({"concurrency": 8})");
  const auto first = run();
  ASSERT_EQ(first.status, host::run_status::succeeded) << first.message;
  EXPECT_EQ(first.counts.dead_lettered, 0u) << dead_letter_reasons();
  EXPECT_EQ(first.counts.retries, 1u);
  EXPECT_EQ(faults().count("POST profile"), 5u);
  EXPECT_EQ(record_count(), 1u);

  // 10 % server errors, resets after Campaign did the work (the retried POST then meets a
  // duplicate key), a few 429s with Retry-After, failing lookups.
  add_fault(R"({"match": "POST profile", "status": 500, "rate": 0.1})");
  add_fault(R"({"match": "POST profile", "reset": true, "rate": 0.05})");
  add_fault(R"({"match": "POST profile", "status": 429, "retry_after": 1, "count": 3})");
  add_fault(R"({"match": "PATCH profile", "status": 503, "rate": 0.1})");
  add_fault(R"({"match": "PATCH profile", "reset": true, "rate": 0.05})");
  add_fault(R"({"match": "DELETE profile", "status": 502, "rate": 0.2})");
  add_fault(R"({"match": "GET profile", "status": 500, "rate": 0.2})");
  std::vector<json::object> rows;
  for (int i = 2; i <= count; ++i) rows.push_back(row(i, "Last" + std::to_string(i)));
  append(rows);
  run_ok();
  auto profiles = records();
  ASSERT_EQ(profiles.size(), static_cast<std::size_t>(count));
  for (const auto& [id, last] : expected_last) EXPECT_EQ(text(profiles.at(id), "lastName"), last);
  const auto counts = faults().counts();
  const auto& statuses = counts.at("by_status").as_object();
  EXPECT_TRUE(statuses.contains("reset"));
  EXPECT_TRUE(statuses.contains("429"));
  EXPECT_GE(faults().count("GET profile"), 1u) << "duplicates after resets were adopted";

  // Updates and deletes under the same faults.
  rows.clear();
  for (int i = 1; i <= count; i += 2) rows.push_back(row(i, "Changed" + std::to_string(i)));
  for (int i = 2; i <= 20; i += 2) {
    rows.push_back(removal(contact_id(i)));
    expected_last.erase(contact_id(i));
  }
  append(rows);
  run_ok();
  profiles = records();
  EXPECT_EQ(profiles.size(), expected_last.size());
  for (const auto& [id, last] : expected_last) {
    ASSERT_TRUE(profiles.contains(id)) << id;
    EXPECT_EQ(text(profiles.at(id), "lastName"), last);
    ASSERT_TRUE(id_of(id).has_value()) << id;
    EXPECT_EQ(id_of(id)->target_key, text(profiles.at(id), "PKey"));
  }
}

TEST_F(CampaignResource, ExpiredTokensAreRefreshed) {
  append({contact(contact_id(1), "Ada", "Lovelace")});
  configure();
  run_ok();
  ASSERT_EQ(campaign_.control("expire_tokens", "POST", json::object{})->status, 200);
  append({contact(contact_id(1), "Ada", "King")});
  run_ok();
  EXPECT_EQ(text(records().at(contact_id(1)), "lastName"), "King");
}

TEST_F(CampaignResource, ACustomResourceWithoutProfileLinkIsWrittenThroughCustomResources) {
  const auto defined = campaign_.control("define_resource", "POST", json::parse(R"({
      "name": "cusVehicle", "api": "customResources", "label": "Vehicle",
      "fields": [{"name": "cusCrmId", "length": 100}, {"name": "cusModel"},
                 {"name": "cusYear", "type": "integer"}],
      "key": ["cusCrmId"], "filters": [{"name": "byCrmId", "parameters": ["cusCrmId"]}]})"));
  ASSERT_EQ(defined->status, 200) << defined->body;
  const auto vehicle = [](const std::string& id, std::string_view model, int year) {
    return json::object{
        {"key", id},
        {"op", "upsert"},
        {"fields", {{"new_vehicleid", id}, {"new_model", model}, {"new_year", year}}}};
  };
  append({vehicle(contact_id(1), "Model T", 1908), vehicle(contact_id(2), "Beetle", 1938)});
  configure(R"({"name": "vehicles",
      "source": {"table": "new_vehicle", "key": "new_vehicleid"},
      "target": {"resource": "cusVehicle", "key": "cusCrmId"},
      "fields": [{"source": "new_model", "target": "cusModel"},
                 {"source": "new_year", "target": "cusYear"}]})",
            R"({"api": "customResources"})");
  run_ok();
  auto vehicles = records("cusVehicle", "cusCrmId");
  ASSERT_EQ(vehicles.size(), 2u);
  EXPECT_EQ(text(vehicles.at(contact_id(1)), "cusModel"), "Model T");
  EXPECT_EQ(vehicles.at(contact_id(1)).at("cusYear").to_number<int>(), 1908);
  faults().reset_counts();

  append({vehicle(contact_id(1), "Model T", 1909)});
  run_ok();
  EXPECT_EQ(faults().count("PATCH cusVehicle"), 1u);
  EXPECT_EQ(writes("cusVehicle"), 1u);
  vehicles = records("cusVehicle", "cusCrmId");
  EXPECT_EQ(vehicles.at(contact_id(1)).at("cusYear").to_number<int>(), 1909);
}

/// A route that must fail to start: its message, after checking that nothing was written.
std::string start_failure(const host::route_outcome& outcome) {
  EXPECT_EQ(outcome.status, host::run_status::failed);
  EXPECT_EQ(outcome.counts.written, 0u);
  return outcome.message;
}

TEST_F(CampaignResource, AnUnknownTargetFieldStopsTheRouteNamingMappingAndField) {
  append({contact(contact_id(1), "Ada", "Lovelace")});
  configure(R"({"name": "contacts", "source": {"table": "contact", "key": "contactid"},
      "target": {"resource": "profile", "key": "externalId"},
      "fields": [{"source": "firstname", "target": "firstName"},
                 {"source": "lastname", "target": "cusNoSuchField"}]})");
  const auto message = start_failure(run());
  EXPECT_THAT(message, HasSubstr("mapping \"contacts\""));
  EXPECT_THAT(message, HasSubstr("/fields/1/target"));
  EXPECT_THAT(message, HasSubstr("cusNoSuchField"));
  EXPECT_EQ(writes(), 0u);
}

TEST_F(CampaignResource, AKeyWithoutAnIdentificationFilterStopsTheRoute) {
  append({contact(contact_id(1), "Ada", "Lovelace")});
  configure(R"({"name": "contacts", "source": {"table": "contact", "key": "contactid"},
      "target": {"resource": "profile", "key": "phone"},
      "fields": [{"source": "lastname", "target": "lastName"}]})");
  const auto message = start_failure(run());
  EXPECT_THAT(message, HasSubstr("mapping \"contacts\": /target/key: Campaign key phone of "
                                 "resource profile is not unique: define an identification "
                                 "key and a filter on it"));
  EXPECT_EQ(writes(), 0u);
}

TEST_F(CampaignResource, ATypeMismatchWithThePublishedSourceSchemaStopsTheRoute) {
  mapping::source_schema schema;
  schema.table = "contact";
  schema.primary_key = "contactid";
  schema.columns = {{"contactid", mapping::source_type::uniqueidentifier},
                    {"lastname", mapping::source_type::string},
                    {"donotemail", mapping::source_type::boolean}};
  append({contact(contact_id(1), "Ada", "Lovelace")});
  configure(R"({"name": "contacts", "source": {"table": "contact", "key": "contactid"},
      "target": {"resource": "profile", "key": "externalId"},
      "fields": [{"source": "lastname", "target": "lastName"},
                 {"source": "donotemail", "target": "birthDate"}]})");
  host_.state().kv_put(route_, mapping::source_schema_state_key, json::serialize(schema.to_json()));
  const auto message = start_failure(run());
  EXPECT_THAT(message, HasSubstr("mapping \"contacts\""));
  EXPECT_THAT(message, HasSubstr("/fields/1"));
  EXPECT_THAT(message, HasSubstr("birthDate"));
  EXPECT_THAT(message, HasSubstr("donotemail"));
}

TEST_F(CampaignResource, AReadOnlyFieldOrUnknownResourceStopsTheRoute) {
  append({contact(contact_id(1), "Ada", "Lovelace")});
  configure(R"({"name": "contacts", "source": {"table": "contact", "key": "contactid"},
      "target": {"resource": "profile", "key": "externalId"},
      "fields": [{"source": "lastname", "target": "lastName"},
                 {"source": "statecode", "target": "age"}]})");
  auto message = start_failure(run());
  EXPECT_THAT(message, HasSubstr("mapping \"contacts\": /fields/1/target: Campaign field \"age\" "
                                 "of resource profile is read-only"));

  configure(R"({"name": "contacts", "source": {"table": "contact", "key": "contactid"},
      "target": {"resource": "cusNowhere", "key": "cusCrmId"},
      "fields": [{"source": "lastname", "target": "cusName"}]})");
  message = start_failure(run());
  EXPECT_THAT(message, HasSubstr("mapping \"contacts\": /target/resource: Campaign has no "
                                 "resource \"cusNowhere\" under /profileAndServicesExt"));
  EXPECT_THAT(message, HasSubstr("returned 404"));
  EXPECT_EQ(writes(), 0u);
}

TEST_F(CampaignResource, AWrongApiKeyStopsTheRouteWithCampaignsAnswer) {
  append({contact(contact_id(1), "Ada", "Lovelace")});
  host_.configure_tenant(tenant(contacts_mapping(), R"({"api_key": "not-our-client"})"),
                         http_config());
  const auto message = start_failure(run());
  EXPECT_THAT(message, HasSubstr("reading the metadata of Campaign resource profile failed"));
  EXPECT_THAT(message, HasSubstr("returned 403: 403023 Profile is not valid"));
  EXPECT_THAT(message, Not(HasSubstr("Bearer")));
}

TEST_F(CampaignResource, AMalformedCreateAnswerIsRetriedWithoutADuplicate) {
  // Campaign created the profiles but the answers are not JSON: the records are retried, and
  // the retry looks them up by key instead of creating them twice.
  add_fault(R"({"match": "POST profile", "malformed": true, "count": 2})");
  append({contact(contact_id(1), "Ada", "Lovelace"), contact(contact_id(2), "Alan", "Turing"),
          contact(contact_id(3), "Grace", "Hopper")});
  configure();
  run_ok();
  EXPECT_EQ(record_count(), 3u);
  EXPECT_EQ(faults().count("POST profile"), 3u);
  EXPECT_EQ(faults().count("GET profile"), 2u);
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(id_of(contact_id(i)).has_value());
    EXPECT_EQ(id_of(contact_id(i))->target_key, text(records().at(contact_id(i)), "PKey"));
  }
  EXPECT_THAT(host_.log_text(),
              HasSubstr("POST /sandbox/campaign/profileAndServicesExt/profile answered 201 "
                        "without a PKey"));
}

TEST_F(CampaignResource, AMalformedLookupAnswerIsRetriedWithAClearReason) {
  const auto id = contact_id(1);
  const auto created = campaign_.control(
      "create_record", "POST",
      json::object{{"fields", {{"externalId", id}, {"firstName", "Ada"}, {"lastName", "L"}}}});
  ASSERT_EQ(created->status, 200) << created->body;
  add_fault(R"({"match": "GET profile", "malformed": true, "count": 1})");
  append({contact(id, "Ada", "Lovelace")});
  configure();
  host_.state().kv_put(route_, "campaign.pending_creates", json::serialize(json::array{id}));
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  EXPECT_EQ(outcome.counts.retries, 1u);
  EXPECT_EQ(record_count(), 1u);
  EXPECT_EQ(faults().count("POST profile"), 0u) << "still looked up on the retry";
  EXPECT_EQ(faults().count("GET profile"), 2u);
  EXPECT_EQ(text(records().at(id), "lastName"), "Lovelace");
  EXPECT_THAT(host_.log_text(),
              HasSubstr("GET /sandbox/campaign/profileAndServicesExt/profile/byExternalId "
                        "answered 200 without a \\\"content\\\" array"));
}

TEST_F(CampaignResource, PermanentFailuresAreDeadLetteredWithCampaignsMessage) {
  append({contact(contact_id(1), "Ada", "Lovelace"), contact(contact_id(2), "Alan", "Turing")});
  configure(R"({"name": "contacts", "source": {"table": "contact", "key": "contactid"},
      "target": {"resource": "profile", "key": "externalId"},
      "fields": [{"source": "lastname", "target": "lastName"},
                 {"source": "birthdate", "target": "birthDate"}]})");
  run_ok();
  add_fault(R"({"match": "PATCH profile", "status": 400, "count": 1})");

  auto row = contact(contact_id(1), "Ada", "King");
  auto bad = contact(contact_id(2), "Alan", "Turing");
  bad["fields"].as_object()["birthdate"] = "sometime in 1912";
  append({row, bad});
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  EXPECT_EQ(outcome.counts.dead_lettered, 2u);
  const auto letters = host_.state().dead_letters(route_, 10);
  ASSERT_EQ(letters.size(), 2u);
  std::map<std::string, std::string> reasons;
  for (const auto& d : letters) {
    reasons[std::string(json::parse(d.record_json).at("key").as_string())] = d.reason;
    EXPECT_EQ(d.attempts, 1) << d.reason;
  }
  EXPECT_THAT(reasons[contact_id(1)],
              HasSubstr("PATCH /sandbox/campaign/profileAndServicesExt/profile/@"));
  EXPECT_THAT(reasons[contact_id(1)], HasSubstr("returned 400: injected fault: 400"));
  EXPECT_THAT(reasons[contact_id(2)], HasSubstr("mapping \"contacts\""));
  EXPECT_THAT(reasons[contact_id(2)], HasSubstr("birthdate"));
  EXPECT_THAT(reasons[contact_id(2)], HasSubstr("sometime in 1912"));
}

}  // namespace
}  // namespace switchboard::test
