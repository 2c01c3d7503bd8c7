// Unit tests of dynamics365's pieces that need no network: the cursor format, row conversion,
// date-times, labels, and how an exchange becomes a status. The plugin's sources are compiled
// into this test (the shared object exports only its entry point).
#include "../../../plugins/dynamics365/change_cursor.cpp"
#include "../../../plugins/dynamics365/row_records.cpp"
#include "../../../plugins/dynamics365/web_api.cpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json/monotonic_resource.hpp>

namespace switchboard::dynamics365 {
namespace {

using ::testing::HasSubstr;
namespace json = boost::json;

TEST(ChangeCursor, RoundTripsEveryMember) {
  change_cursor c;
  c.phase = sync_phase::initial;
  c.environment = "https://org.crm.dynamics.com";
  c.table = "contact";
  c.select = "firstname,contactid,modifiedon";
  c.link =
      "https://org.crm.dynamics.com/api/data/v9.2/"
      "contacts?$select=firstname&$skiptoken=%3Ccookie%20pagenumber=%222%22%20/%3E";
  c.page_size = 1000;
  c.done = 2000;
  c.total = 10000;
  c.skip = 250;
  c.after = "0a1b";
  std::string error;
  const auto back = change_cursor::decode(c.encode(), error);
  ASSERT_TRUE(back.has_value()) << error;
  EXPECT_EQ(back->phase, sync_phase::initial);
  EXPECT_EQ(back->environment, c.environment);
  EXPECT_EQ(back->table, c.table);
  EXPECT_EQ(back->select, c.select);
  EXPECT_EQ(back->link, c.link) << "links are kept verbatim";
  EXPECT_EQ(back->page_size, 1000u);
  EXPECT_EQ(back->done, 2000u);
  EXPECT_EQ(back->total, 10000u);
  EXPECT_EQ(back->skip, 250u);
  EXPECT_EQ(back->after, "0a1b");
  const auto o = json::parse(c.encode()).as_object();
  EXPECT_EQ(o.at("phase"), "initial");
  EXPECT_EQ(o.at("next").as_string(), c.link);
}

TEST(ChangeCursor, ADeltaCursorCarriesNoProgress) {
  change_cursor c;
  c.phase = sync_phase::delta;
  c.link = "https://org.crm.dynamics.com/api/data/v9.2/contacts?$deltatoken=919042%2108";
  c.done = 5;
  const auto o = json::parse(c.encode()).as_object();
  EXPECT_EQ(o.at("phase"), "delta");
  EXPECT_FALSE(o.contains("done"));
  EXPECT_FALSE(o.contains("skip"));
}

TEST(ChangeCursor, ABareDeltaLinkIsADeltaCursor) {
  std::string error;
  const auto c = change_cursor::decode(
      "https://org.crm.dynamics.com/api/data/v9.2/contacts?$deltatoken=1", error);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->phase, sync_phase::delta);
  EXPECT_TRUE(c->environment.empty());
}

TEST(ChangeCursor, RefusesWhatItDidNotWrite) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"rec-42", "not a JSON object"},
      {"[]", "not a JSON object"},
      {R"({"v":2,"phase":"delta","next":"https://x"})", "unsupported version"},
      {R"({"v":1,"phase":"middle","next":"https://x"})", "\"phase\""},
      {R"({"v":1,"phase":"delta","next":"http://x"})", "\"next\""},
      {R"({"v":1,"phase":"delta"})", "\"next\""},
      {R"({"v":1,"phase":"delta","next":"https://x","page_size":0})", "page_size"},
      {R"({"v":1,"phase":"delta","next":"https://x","done":-1})", "done"},
      {R"({"v":1,"phase":"delta","next":"https://x","colour":1})", "unknown member"},
  };
  for (const auto& [token, reason] : cases) {
    std::string error;
    EXPECT_FALSE(change_cursor::decode(token, error).has_value()) << token;
    EXPECT_THAT(error, HasSubstr(reason)) << token;
  }
}

TEST(RowRecords, ParsesDataverseDateTimes) {
  using namespace std::chrono;
  const auto t = parse_date_time("2017-08-22T08:10:44Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(duration_cast<seconds>(t->time_since_epoch()).count(), 1503389444);
  EXPECT_EQ(
      duration_cast<milliseconds>(parse_date_time("2017-08-22T08:10:44.250Z")->time_since_epoch())
          .count(),
      1503389444250);
  EXPECT_EQ(duration_cast<seconds>(parse_date_time("2017-08-22T10:10:44+02:00")->time_since_epoch())
                .count(),
            1503389444);
  EXPECT_EQ(
      duration_cast<seconds>(parse_date_time("1969-12-31T23:59:59Z")->time_since_epoch()).count(),
      -1);
  EXPECT_FALSE(parse_date_time("2017-08-22").has_value());
  EXPECT_FALSE(parse_date_time("2017-13-22T08:10:44Z").has_value());
  EXPECT_FALSE(parse_date_time("2017-08-22T08:10:44Q").has_value());
}

TEST(RowRecords, RowsBecomeUpsertsWithoutTheEtag) {
  auto row = json::parse(R"({"@odata.etag":"W/\"915244\"","fullname":"Ada","contactid":"60c4e274",
      "modifiedon":"2017-08-22T08:10:44Z"})")
                 .as_object();
  sdk::record r;
  ASSERT_FALSE(to_record(std::move(row), "contactid", r).has_value());
  EXPECT_EQ(r.key, "60c4e274");
  EXPECT_EQ(r.op, sdk::operation::upsert);
  EXPECT_FALSE(r.fields.contains("@odata.etag"));
  EXPECT_EQ(r.fields.at("fullname"), "Ada");
  EXPECT_EQ(
      std::chrono::duration_cast<std::chrono::seconds>(r.source_time.time_since_epoch()).count(),
      1503389444);
}

TEST(RowRecords, ARecordKeepsThePagesStorageInsteadOfCopyingToTheHeap) {
  const auto page = json::make_shared_resource<json::monotonic_resource>();
  auto row =
      json::parse(R"({"fullname":"Ada Lovelace of the Analytical Engine","contactid":"60"})", page)
          .as_object();
  sdk::record r;
  r.fields["left from an earlier page"] = "on the heap";
  ASSERT_FALSE(to_record(std::move(row), "contactid", r).has_value());
  EXPECT_EQ(r.fields.storage().get(), page.get());
  EXPECT_EQ(r.fields.at("fullname"), "Ada Lovelace of the Analytical Engine");
  EXPECT_FALSE(r.fields.contains("left from an earlier page"));
  // Records move between stages with their storage.
  sdk::record moved = std::move(r);
  EXPECT_EQ(moved.fields.storage().get(), page.get());
}

TEST(RowRecords, DeletedEntitiesBecomeRemovesByTheirId) {
  auto row =
      json::parse(R"({"@odata.context":"https://o/api/data/v9.2/$metadata#contacts/$deletedEntity",
      "id":"2e451703","reason":"deleted"})")
          .as_object();
  sdk::record r;
  r.fields["stale"] = 1;
  ASSERT_FALSE(to_record(std::move(row), "contactid", r).has_value());
  EXPECT_EQ(r.key, "2e451703");
  EXPECT_EQ(r.op, sdk::operation::remove);
  EXPECT_TRUE(r.fields.empty());
  auto removed = json::parse(R"({"@removed":{"reason":"deleted"},"contactid":"77"})").as_object();
  ASSERT_FALSE(to_record(std::move(removed), "contactid", r).has_value());
  EXPECT_EQ(r.key, "77");
  EXPECT_EQ(r.op, sdk::operation::remove);
}

TEST(RowRecords, RowsWithoutKeysAreRefused) {
  sdk::record r;
  EXPECT_THAT(*to_record(json::object{{"fullname", "x"}}, "contactid", r), HasSubstr("contactid"));
  EXPECT_THAT(*to_record(json::parse(R"({"@odata.context":"x/$deletedEntity"})").as_object(),
                         "contactid", r),
              HasSubstr("\"id\""));
}

TEST(RowRecords, LabelsGoNextToTheirValues) {
  option_labels labels;
  labels["statecode"] = {{0, "Active"}, {1, "Inactive"}};
  labels["donotemail"] = {{0, "Allow"}, {1, "Do Not Allow"}};
  labels["gendercode"] = {{1, "Male"}};
  json::object fields{{"statecode", 1}, {"donotemail", true}, {"gendercode", 7}, {"other", 1}};
  fields["nothing"] = nullptr;
  const auto missing = add_labels(fields, labels);
  EXPECT_EQ(fields.at("statecode@OData.Community.Display.V1.FormattedValue"), "Inactive");
  EXPECT_EQ(fields.at("donotemail@OData.Community.Display.V1.FormattedValue"), "Do Not Allow");
  EXPECT_FALSE(fields.contains("gendercode@OData.Community.Display.V1.FormattedValue"));
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing.front(), (std::pair<std::string, std::int64_t>{"gendercode", 7}));
}

/// A client that answers every request with one canned exchange.
class canned_client final : public sdk::http_client {
 public:
  sdk::http_exchange answer;
  sdk::http_request last;
  sdk::http_exchange send(const sdk::http_request& request) override {
    last = request;
    return answer;
  }
  std::vector<sdk::http_exchange> send_many(std::span<const sdk::http_request> requests,
                                            std::size_t) override {
    std::vector<sdk::http_exchange> out;
    for (const auto& r : requests) out.push_back(send(r));
    return out;
  }
};

class counting_tokens final : public sdk::token_provider {
 public:
  int invalidated = 0;
  sdk::status get(std::string& token) override {
    token = "t";
    return sdk::status::ok();
  }
  void invalidate() override { ++invalidated; }
};

class WebApi : public ::testing::Test {
 protected:
  api_result answer(int status, std::string body, bool delta = false,
                    std::string content_type = "application/json") {
    client_.answer = {};
    client_.answer.response.status_code = status;
    client_.answer.response.body = std::move(body);
    client_.answer.response.headers = {{"Content-Type", std::move(content_type)}};
    return api_.get(
        url_,
        {.prefer = {"odata.track-changes", "odata.maxpagesize=10"}, .delta = delta, .storage = {}});
  }
  canned_client client_;
  counting_tokens tokens_;
  web_api api_{"https://org.crm.dynamics.com", "v9.2", client_, tokens_,
               std::chrono::milliseconds(5000)};
  std::string url_ = "https://org.crm.dynamics.com/api/data/v9.2/contacts?$select=firstname";
};

TEST_F(WebApi, SendsTheDocumentedHeaders) {
  const auto r = answer(200, R"({"value":[]})");
  ASSERT_TRUE(r.status.is_ok()) << r.status.message();
  const auto& request = client_.last;
  EXPECT_EQ(request.url, url_);
  EXPECT_EQ(request.authorization, &tokens_);
  const auto header = [&](std::string_view name) {
    for (const auto& h : request.headers) {
      if (h.name == name) return h.value;
    }
    return std::string();
  };
  EXPECT_EQ(header("Accept"), "application/json");
  EXPECT_EQ(header("OData-MaxVersion"), "4.0");
  EXPECT_EQ(header("OData-Version"), "4.0");
  EXPECT_EQ(header("Prefer"), "odata.track-changes,odata.maxpagesize=10");
}

TEST_F(WebApi, StatusesBecomeKinds) {
  EXPECT_EQ(answer(503, "").status.kind(), sdk::error_kind::retryable);
  EXPECT_EQ(answer(429, "").status.kind(), sdk::error_kind::retryable);
  const auto denied = answer(
      403,
      R"({"error":{"code":"0x80040220","message":"Principal user is missing prvReadContact privilege"}})");
  EXPECT_EQ(denied.status.kind(), sdk::error_kind::permanent);
  EXPECT_EQ(denied.status.message(),
            "Dataverse GET /api/data/v9.2/contacts returned 403 (0x80040220): Principal user is "
            "missing prvReadContact privilege");
  EXPECT_EQ(answer(400, R"({"error":{"code":"","message":"bad"}})").status.kind(),
            sdk::error_kind::permanent);
  EXPECT_EQ(answer(401, "").status.kind(), sdk::error_kind::permanent);
}

TEST_F(WebApi, AnExpiredVersionStampAsksForAResync) {
  const auto expired = answer(
      400,
      R"({"error":{"code":"0x80044352","message":"Version stamp associated with the client has expired. Please perform a full sync."}})");
  EXPECT_EQ(expired.status.kind(), sdk::error_kind::needs_resync);
  // Any failure of a delta link that mentions expiry, whatever its code.
  EXPECT_EQ(answer(400, R"({"error":{"code":"","message":"The delta token has expired"}})", true)
                .status.kind(),
            sdk::error_kind::needs_resync);
  EXPECT_EQ(answer(400, R"({"error":{"code":"","message":"The delta token has expired"}})", false)
                .status.kind(),
            sdk::error_kind::permanent);
}

TEST_F(WebApi, MalformedBodiesAreRetryableAndSaySo) {
  const auto truncated = answer(200, R"({"value": [ {"broken": )");
  EXPECT_EQ(truncated.status.kind(), sdk::error_kind::retryable);
  EXPECT_THAT(truncated.status.message(),
              HasSubstr("malformed answer from Dataverse GET /api/data/v9.2/contacts"));
  EXPECT_EQ(answer(200, "[1]").status.kind(), sdk::error_kind::retryable);
}

TEST_F(WebApi, AnHtmlPageRenewsTheToken) {
  const auto page = answer(200, "<html>sign in</html>", false, "text/html; charset=utf-8");
  EXPECT_EQ(page.status.kind(), sdk::error_kind::retryable);
  EXPECT_EQ(tokens_.invalidated, 1);
}

TEST_F(WebApi, TransportFailuresKeepTheirKind) {
  client_.answer = {};
  client_.answer.result = sdk::status::retryable("connection reset");
  const auto r = api_.get(url_);
  EXPECT_EQ(r.status.kind(), sdk::error_kind::retryable);
  EXPECT_THAT(r.status.message(), HasSubstr("connection reset"));
  EXPECT_EQ(r.http_status, 0);
}

TEST(Urls, OriginsAndPaths) {
  EXPECT_EQ(origin_of("https://Org.CRM.dynamics.com:443/api/data?x=1"),
            "https://org.crm.dynamics.com");
  EXPECT_EQ(origin_of("https://127.0.0.1:8443/api"), "https://127.0.0.1:8443");
  EXPECT_EQ(origin_of("http://x/"), "");
  EXPECT_EQ(path_of("https://o/api/data/v9.2/contacts?$select=a"), "/api/data/v9.2/contacts");
}

TEST(Urls, TheAlternateHostFormIsTheSameEnvironment) {
  EXPECT_TRUE(same_environment("https://org.crm.dynamics.com",
                               "https://org.api.crm.dynamics.com/api/data/v9.2/contacts"));
  EXPECT_TRUE(same_environment("https://127.0.0.1:8443", "https://127.0.0.1:8443/api/data"));
  EXPECT_FALSE(same_environment("https://org.crm.dynamics.com", "https://other.crm.dynamics.com"));
  EXPECT_FALSE(same_environment("https://org.crm.dynamics.com",
                                "https://org.crm.dynamics.com.evil.example/api"));
  EXPECT_FALSE(same_environment("https://127.0.0.1:1", "https://127.0.0.1:2"));
  EXPECT_FALSE(same_environment("https://org.crm.dynamics.com", "http://org.crm.dynamics.com"));
}

}  // namespace
}  // namespace switchboard::dynamics365
