// Tests of the Dataverse emulator's $batch: change sets with Content-ID references, atomic
// rollback, continue-on-error, the response format and malformed batches.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "sandbox/dataverse/batch.hpp"
#include "sandbox/dataverse/dataverse_emulator.hpp"
#include "sandbox/dataverse/dataverse_test_client.hpp"

namespace switchboard::sandbox {
namespace dataverse_batch_test {
namespace {

namespace json = boost::json;
using client_t = dataverse_test_client;

const std::string account_id = "44444444-0000-0000-0000-000000000001";

/// Turns LF line ends into the CRLF the wire uses.
std::string crlf(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

std::string request_part(const std::string& method, const std::string& url, const std::string& body,
                         const std::string& content_id = "") {
  std::string part = "Content-Type: application/http\nContent-Transfer-Encoding: binary\n";
  if (!content_id.empty()) part += "Content-ID: " + content_id + "\n";
  part += "\n" + method + " " + url + " HTTP/1.1\n";
  if (!body.empty()) part += "Content-Type: application/json; type=entry\n";
  part += "\n" + body + "\n";
  return part;
}

std::string change_set(const std::string& boundary, const std::vector<std::string>& parts) {
  std::string out = "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\n\n";
  for (const auto& p : parts) out += "--" + boundary + "\n" + p;
  return out + "--" + boundary + "--\n";
}

std::string batch(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += "--batch_AAA\n" + p;
  return crlf(out + "--batch_AAA--\n");
}

std::vector<int> statuses(const std::string& body) {
  std::vector<int> out;
  const std::string marker = "HTTP/1.1 ";
  for (auto at = body.find(marker); at != std::string::npos; at = body.find(marker, at + 1)) {
    out.push_back(std::stoi(body.substr(at + marker.size(), 3)));
  }
  return out;
}

class DataverseBatch : public ::testing::Test {
 protected:
  DataverseBatch() {
    emulator.upsert_rows("accounts",
                         json::array{json::object{{"accountid", account_id}, {"name", "Acme"}}});
  }

  server_reply send(const std::string& body, std::vector<sdk::http_header> headers = {}) {
    headers.push_back({"Content-Type", "multipart/mixed; boundary=\"batch_AAA\""});
    return client.send("POST", client_t::path("$batch"), body, std::move(headers));
  }

  token_registry tokens;
  dataverse_emulator emulator{tokens};
  client_t client{emulator,
                  tokens.issue("app", "https://org.crm.dynamics.test", std::chrono::hours(1))};
};

TEST_F(DataverseBatch, ReferenceExampleCreatesTaskRegardingAccount) {
  table_definition task;
  task.logical_name = "task";
  task.is_activity = true;
  task.is_custom = false;
  emulator.define_table(task);
  const auto body = crlf(
      "--batch_AAA\n"
      "Content-Type: multipart/mixed; boundary=\"changeset_BBB\"\n"
      "\n"
      "--changeset_BBB\n"
      "Content-Type: application/http\n"
      "Content-Transfer-Encoding: binary\n"
      "Content-ID: 1\n"
      "\n"
      "POST /api/data/v9.2/tasks HTTP/1.1\n"
      "Content-Type: application/json; type=entry\n"
      "\n"
      "{\"subject\":\"t1\",\"regardingobjectid_account_task@odata.bind\":\"accounts(" +
      account_id +
      ")\"}\n"
      "--changeset_BBB--\n"
      "--batch_AAA--\n");
  const auto reply = send(body);
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto type = client_t::header(reply, "Content-Type");
  ASSERT_EQ(type.rfind("multipart/mixed; boundary=batchresponse_", 0), 0u);
  const auto boundary = type.substr(type.find('=') + 1);
  EXPECT_EQ(reply.body.rfind("--" + boundary + "\r\n", 0), 0u);
  EXPECT_NE(reply.body.find("Content-Type: multipart/mixed; boundary=changesetresponse_"),
            std::string::npos);
  EXPECT_NE(reply.body.find("Content-ID: 1\r\n"), std::string::npos);
  EXPECT_NE(reply.body.find("HTTP/1.1 204 No Content\r\n"), std::string::npos);
  EXPECT_NE(reply.body.find("Location: " + client.root() + "/tasks("), std::string::npos);
  EXPECT_NE(reply.body.find("OData-EntityId: " + client.root() + "/tasks("), std::string::npos);
  EXPECT_EQ(reply.body.substr(reply.body.size() - boundary.size() - 6), "--" + boundary + "--\r\n");
  const auto tasks = emulator.rows("tasks");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].at("_regardingobjectid_value").as_string(), account_id);
}

TEST_F(DataverseBatch, ChangeSetResolvesContentIdReferences) {
  const auto reply = send(batch(
      {change_set(
           "changeset_BBB",
           {request_part("POST", "/api/data/v9.2/accounts", R"({"name":"Globex"})", "1"),
            request_part("POST", "contacts",
                         R"({"lastname":"Ref","parentcustomerid_account@odata.bind":"$1"})", "2"),
            request_part("PATCH", "$1", R"({"accountnumber":"A-1"})", "3")}),
       request_part("GET", "accounts?$select=name,accountnumber&$filter=name%20eq%20'Globex'",
                    "")}));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(statuses(reply.body), (std::vector<int>{204, 204, 204, 200}));
  const auto contacts = emulator.rows("contacts");
  ASSERT_EQ(contacts.size(), 1u);
  const auto accounts = emulator.rows("accounts");
  ASSERT_EQ(accounts.size(), 2u);
  const auto& globex = accounts[0].at("name") == "Globex" ? accounts[0] : accounts[1];
  EXPECT_EQ(contacts[0].at("_parentcustomerid_value"), globex.at("accountid"));
  EXPECT_EQ(globex.at("accountnumber").as_string(), "A-1");
  EXPECT_NE(reply.body.find("\"accountnumber\":\"A-1\""), std::string::npos);
  EXPECT_EQ(emulator.operation_counts().at("POST contacts"), 1u);
  EXPECT_EQ(emulator.operation_counts().at("POST $batch"), 1u);
}

TEST_F(DataverseBatch, FailingChangeSetIsRolledBackAndStopsTheBatch) {
  const auto reply = send(batch(
      {request_part("POST", "contacts", R"({"lastname":"Before"})"),
       change_set(
           "changeset_BBB",
           {request_part("POST", "contacts", R"({"lastname":"Inside"})", "1"),
            request_part("PATCH", "accounts(" + account_id + ")", R"({"name":"Renamed"})", "2"),
            request_part("POST", "contacts", R"({"numberofchildren":"many"})", "3")}),
       request_part("POST", "contacts", R"({"lastname":"After"})")}));
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(statuses(reply.body), std::vector<int>{400});
  EXPECT_NE(reply.body.find("Content-ID: 3"), std::string::npos);
  EXPECT_NE(reply.body.find("{\"error\":{\"code\":\"0x80048d19\""), std::string::npos);
  const auto contacts = emulator.rows("contacts");
  ASSERT_EQ(contacts.size(), 1u);
  EXPECT_EQ(contacts[0].at("lastname").as_string(), "Before");
  EXPECT_EQ(emulator.rows("accounts")[0].at("name").as_string(), "Acme");
}

TEST_F(DataverseBatch, UpsertMultipleInsideAFailingChangeSetIsRolledBack) {
  const auto reply = send(batch({change_set(
      "changeset_BBB",
      {request_part("POST", "contacts/Microsoft.Dynamics.CRM.UpsertMultiple",
                    R"({"Targets":[{"lastname":"Bulk1"},{"lastname":"Bulk2"}]})", "1"),
       request_part("DELETE", "contacts(44444444-0000-0000-0000-0000000000ff)", "", "2")})}));
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(statuses(reply.body), std::vector<int>{404});
  EXPECT_TRUE(emulator.rows("contacts").empty());
}

TEST_F(DataverseBatch, ContinueOnErrorReportsEveryPart) {
  const auto reply = send(
      batch({request_part("POST", "contacts", R"({"nosuch":1})"),
             request_part("POST", "contacts", R"({"lastname":"Ok"})"),
             change_set("changeset_C1",
                        {request_part("POST", "contacts", R"({"lastname":"Rolled"})", "1"),
                         request_part("DELETE", "contacts(44444444-0000-0000-0000-0000000000ff)",
                                      "", "2")}),
             change_set("changeset_C2",
                        {request_part("POST", "contacts", R"({"lastname":"Kept"})", "1")})}),
      {{"Prefer", "odata.continue-on-error"}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(client_t::header(reply, "Preference-Applied"), "odata.continue-on-error");
  EXPECT_EQ(statuses(reply.body), (std::vector<int>{400, 204, 404, 204}));
  std::vector<std::string> names;
  for (const auto& c : emulator.rows("contacts")) names.emplace_back(c.at("lastname").as_string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"Kept", "Ok"}));
}

TEST_F(DataverseBatch, BadReferencesAndGetInChangeSetFail) {
  const auto unknown = send(batch({change_set(
      "changeset_BBB",
      {request_part("POST", "contacts",
                    R"({"lastname":"x","parentcustomerid_account@odata.bind":"$9"})", "1")})}));
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("Content-ID Reference: '$9' does not exist in the batch context."),
            std::string::npos);
  const auto get =
      send(batch({change_set("changeset_BBB", {request_part("GET", "contacts", "", "1")})}));
  EXPECT_EQ(get.status, 400);
  EXPECT_NE(get.body.find("The HTTP method 'GET' is invalid for a request in a change set."),
            std::string::npos);
  EXPECT_TRUE(emulator.rows("contacts").empty());
}

TEST_F(DataverseBatch, MalformedBatchesAnswer400) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"multipart/mixed; boundary=batch_AAA", "garbage without delimiters"},
      {"multipart/mixed; boundary=batch_AAA",
       crlf("--batch_AAA\nContent-Type: application/http\n\n")},
      {"multipart/mixed; boundary=batch_AAA",
       crlf("--batch_AAA\nno colon here\n\nGET contacts HTTP/1.1\n\n--batch_AAA--\n")},
      {"multipart/mixed; boundary=batch_AAA",
       crlf("--batch_AAA\nContent-Type: text/plain\n\nhello\n--batch_AAA--\n")},
      {"application/json", "{}"},
      {"multipart/mixed", batch({request_part("GET", "contacts", "")})},
      {"multipart/mixed; boundary=batch_AAA", batch({request_part("POST", "$batch", "x")})},
  };
  for (const auto& [type, body] : cases) {
    const auto reply =
        client.send("POST", client_t::path("$batch"), body, {{"Content-Type", type}});
    EXPECT_EQ(reply.status, 400) << type << " / " << body << " → " << reply.body;
  }
}

TEST_F(DataverseBatch, TooManyRequestsInOneBatchAnswer400) {
  token_registry tokens2;
  dataverse_options options;
  options.max_batch_requests = 2;
  dataverse_emulator small(tokens2, options);
  client_t small_client(small, tokens2.issue("app", "aud", std::chrono::hours(1)));
  const auto body = batch({request_part("GET", "contacts", ""), request_part("GET", "contacts", ""),
                           request_part("GET", "contacts", "")});
  const auto reply = small_client.send("POST", client_t::path("$batch"), body,
                                       {{"Content-Type", "multipart/mixed; boundary=batch_AAA"}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find("contains too many parts"), std::string::npos);
}

TEST(DataverseBatchParser, ReadsPartsChangeSetsAndLfLines) {
  const auto parts = dataverse::parse_batch(
      "--b\nContent-Type: application/http\n\nGET contacts HTTP/1.1\nAccept: application/json\n\n\n"
      "--b\nContent-Type: multipart/mixed; boundary=c\n\n--c\nContent-Type: application/http\n"
      "Content-ID: 7\n\nPOST accounts HTTP/1.1\n\n{\"name\":\"x\"}\n--c--\n--b--\n",
      "b");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_FALSE(parts[0].change_set);
  EXPECT_EQ(parts[0].requests[0].method, "GET");
  EXPECT_EQ(parts[0].requests[0].target, "contacts");
  ASSERT_TRUE(parts[1].change_set);
  EXPECT_EQ(parts[1].requests[0].content_id, "7");
  EXPECT_EQ(parts[1].requests[0].body, "{\"name\":\"x\"}");
  EXPECT_EQ(dataverse::multipart_boundary("multipart/mixed; boundary=\"batch_1\""), "batch_1");
  EXPECT_EQ(dataverse::multipart_boundary("application/json"), "");
}

}  // namespace
}  // namespace dataverse_batch_test
}  // namespace switchboard::sandbox
