// The Campaign Standard emulator: CRUD, paging, filters, metadata, gateway errors, validation.
#include "sandbox/campaign/campaign_emulator.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace switchboard::sandbox {
namespace {

namespace json = boost::json;

constexpr std::string_view base = "https://mc.adobe.io";
constexpr std::string_view api_key = "a64f5f10849a410a97ffdac8ae1c2d3e";
constexpr std::string_view ims_org = "C74F69D7594880280A495D09@AdobeOrg";

class CampaignEmulator : public ::testing::Test {
 protected:
  CampaignEmulator() : campaign_(tokens_, options()) {
    token_ = tokens_.issue(std::string(api_key), std::string(ims_org), std::chrono::hours(1));
  }

  static campaign_options options() {
    campaign_options o;
    o.organization = "acme";
    o.ims_org_id = ims_org;
    o.api_keys = {std::string(api_key)};
    o.base_url = base;
    return o;
  }

  server_reply call(std::string method, std::string target, std::string body = {},
                    std::string token = {}, std::string key = std::string(api_key)) {
    server_request request;
    request.method = std::move(method);
    request.target = target.starts_with("https://") ? target.substr(base.size()) : target;
    request.headers = {{"Authorization", "Bearer " + (token.empty() ? token_ : token)},
                       {"Cache-Control", "no-cache"},
                       {"Content-Type", "application/json;charset=utf-8"}};
    if (!key.empty()) request.headers.push_back({"X-Api-Key", key});
    request.body = std::move(body);
    return campaign_.handle(request);
  }

  server_reply get(std::string path) { return call("GET", "/acme/campaign" + path); }
  server_reply post(std::string path, std::string body) {
    return call("POST", "/acme/campaign" + path, std::move(body));
  }
  server_reply patch(std::string path, std::string body) {
    return call("PATCH", "/acme/campaign" + path, std::move(body));
  }

  static json::object object(const server_reply& reply) {
    return json::parse(reply.body).as_object();
  }

  std::string create(std::string body, std::string api = "/profileAndServices/profile") {
    const auto reply = post(api, std::move(body));
    EXPECT_EQ(reply.status, 201) << reply.body;
    return std::string(object(reply).at("PKey").as_string());
  }

  json::object control(std::string_view action, json::value body = nullptr) {
    const auto reply = campaign_.control(action, "POST", body);
    EXPECT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, 200) << reply->body;
    const auto value = json::parse(reply->body);
    return value.is_object() ? value.as_object() : json::object{{"list", value}};
  }

  void define_vehicle() {
    control("define_resource", json::parse(R"({"name":"cusVehicle","label":"Vehicle",
              "fields":[{"name":"cusVin","type":"string","length":17},{"name":"cusModel"}],
              "links":[{"name":"profile","target":"profile"}],"key":["cusVin"],
              "filters":[{"name":"byVin","parameters":["cusVin"]}]})"));
  }

  token_registry tokens_;
  campaign_emulator campaign_;
  std::string token_;
};

TEST_F(CampaignEmulator, CreatesProfileWithPKeyAndDefaults) {
  const auto reply = post("/profileAndServices/profile", R"({"email":"john.doe@mail.com"})");
  ASSERT_EQ(reply.status, 201) << reply.body;
  const auto body = object(reply);
  const std::string pkey(body.at("PKey").as_string());
  EXPECT_TRUE(pkey.starts_with("@"));
  EXPECT_GT(pkey.size(), 40u);
  EXPECT_EQ(body.at("email").as_string(), "john.doe@mail.com");
  EXPECT_EQ(body.at("domain").as_string(), "mail.com");
  EXPECT_EQ(body.at("firstName").as_string(), "");
  EXPECT_FALSE(body.at("blackListEmail").as_bool());
  EXPECT_FALSE(body.at("ccpaOptOut").as_bool());
  EXPECT_EQ(body.at("gender").as_string(), "unknown");
  for (const auto* name : {"created", "lastModified"}) {
    const std::string date(body.at(name).as_string());
    EXPECT_EQ(date.size(), 24u) << date;
    EXPECT_EQ(date[10], ' ') << date;
    EXPECT_EQ(date.back(), 'Z') << date;
    EXPECT_TRUE(jwt::parse_time(date).has_value()) << date;
  }
  EXPECT_EQ(body.at("href").as_string(),
            std::string(base) + "/acme/campaign/profileAndServices/profile/" + pkey);
}

TEST_F(CampaignEmulator, VerbsBehaveAsDocumented) {
  const auto pkey = create(R"({"lastName":"Doe"})");
  const auto single = get("/profileAndServices/profile/" + pkey);
  ASSERT_EQ(single.status, 200);
  EXPECT_EQ(object(single).at("lastName").as_string(), "Doe");
  EXPECT_FALSE(object(single).contains("content"));
  const auto updated =
      patch("/profileAndServices/profile/" + pkey, R"({"firstName":"Mark","lastName":"Smith"})");
  ASSERT_EQ(updated.status, 200) << updated.body;
  const auto body = object(updated);
  EXPECT_EQ(body.size(), 2u);
  EXPECT_EQ(body.at("PKey").as_string(), pkey);
  EXPECT_EQ(body.at("href").as_string(),
            std::string(base) + "/acme/campaign/profileAndServices/profile/" + pkey);
  EXPECT_EQ(object(get("/profileAndServices/profile/" + pkey)).at("firstName").as_string(), "Mark");
  EXPECT_EQ(call("DELETE", "/acme/campaign/profileAndServices/profile/" + pkey).status, 200);
  const auto gone = get("/profileAndServices/profile/" + pkey);
  EXPECT_EQ(gone.status, 404);
  EXPECT_TRUE(gone.body.starts_with("RST-360011 An error has occurred"));
}

TEST_F(CampaignEmulator, UndecodablePKeyGivesAttributeUnknown) {
  const auto reply = get("/profileAndServices/profile/@O5iRp40EGA");
  EXPECT_EQ(reply.status, 500);
  EXPECT_NE(reply.body.find("'O5iRp40EGA' attribute unknown"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("XTK-170036"), std::string::npos);
}

TEST_F(CampaignEmulator, PagesThroughFullCollectionWithNextHref) {
  campaign_.seed_profiles(57, 7);
  std::set<std::string> seen;
  std::string next = "https://mc.adobe.io/acme/campaign/profileAndServices/profile?_lineCount=10";
  int pages = 0;
  while (!next.empty()) {
    const auto reply = call("GET", next);
    ASSERT_EQ(reply.status, 200) << reply.body;
    const auto body = object(reply);
    EXPECT_TRUE(body.at("serverSidePagination").as_bool());
    for (const auto& p : body.at("content").as_array())
      seen.insert(std::string(p.at("PKey").as_string()));
    ++pages;
    if (const auto* n = body.if_contains("next")) {
      next = std::string(n->at("href").as_string());
      EXPECT_NE(next.find("_lineCount=10&_lineStart=@"), std::string::npos) << next;
    } else {
      next.clear();
      EXPECT_EQ(body.at("content").as_array().size(), 7u);
      const auto count = call("GET", std::string(body.at("count").at("href").as_string()));
      EXPECT_EQ(object(count).at("count").to_number<int>(), 57);
    }
  }
  EXPECT_EQ(pages, 6);
  EXPECT_EQ(seen.size(), 57u);
}

TEST_F(CampaignEmulator, OrderedPagingKeepsOrderAcrossPages) {
  campaign_.seed_profiles(30, 3);
  std::vector<std::string> emails;
  std::string next =
      "/acme/campaign/profileAndServices/profile/email?_order=email%20desc&_lineCount=7";
  while (!next.empty()) {
    const auto body = object(call("GET", next));
    for (const auto& e : body.at("content").as_array()) emails.emplace_back(e.as_string());
    next = body.contains("next") ? std::string(body.at("next").at("href").as_string()) : "";
  }
  ASSERT_EQ(emails.size(), 30u);
  EXPECT_TRUE(std::is_sorted(emails.rbegin(), emails.rend()));
}

TEST_F(CampaignEmulator, DefaultPageIs25AndBigTablesNeedForcePagination) {
  campaign_.seed_profiles(30, 5);
  const auto first = object(get("/profileAndServices/profile"));
  EXPECT_EQ(first.at("content").as_array().size(), 25u);
  EXPECT_TRUE(first.contains("next"));
  control("configure", json::object{{"big_table_threshold", 10}});
  EXPECT_FALSE(object(get("/profileAndServices/profile?_lineCount=5")).contains("next"));
  EXPECT_TRUE(object(get("/profileAndServices/profile?_lineCount=5&_forcePagination=true"))
                  .contains("next"));
  EXPECT_EQ(get("/profileAndServices/profile?_lineStart=@garbage").status, 400);
  EXPECT_EQ(get("/profileAndServices/profile?_order=age").status, 500);
}

TEST_F(CampaignEmulator, FiltersByEmailAndByText) {
  create(R"({"email":"john.doe@mail.com","firstName":"John","lastName":"Doe"})");
  create(R"({"email":"amy.dakota@mail.com","firstName":"Amy","lastName":"Dakota"})");
  create(R"({"email":"doe.jane@mail.com","firstName":"Jane","lastName":"Summer"})");
  const auto by_email =
      object(get("/profileAndServices/profile/byEmail?email=amy.dakota@mail.com"));
  ASSERT_EQ(by_email.at("content").as_array().size(), 1u);
  EXPECT_EQ(by_email.at("content").as_array()[0].at("lastName").as_string(), "Dakota");
  EXPECT_EQ(
      object(get("/profileAndServices/profile/byText?text=Doe")).at("content").as_array().size(),
      1u);
  EXPECT_EQ(
      object(get("/profileAndServices/profile/byText?text=doe")).at("content").as_array().size(),
      1u);
  EXPECT_EQ(object(get("/profileAndServices/profile/byText?text=J&filterType=firstName"))
                .at("content")
                .as_array()
                .size(),
            2u);
  const auto count = object(get("/profileAndServices/profile/byText/_count?text=Doe"));
  EXPECT_EQ(count.at("count").to_number<int>(), 1);
  const auto listed = object(get("/profileAndServices/profile/byText?text=Doe"));
  EXPECT_EQ(listed.at("count").at("href").as_string(),
            std::string(base) + "/acme/campaign/profileAndServices/profile/byText/_count?text=Doe");
  EXPECT_EQ(get("/profileAndServices/profile/byNothing?x=1").status, 404);
}

TEST_F(CampaignEmulator, ExtensionFieldsKeysAndCustomFiltersLiveOnExt) {
  control("define_profile_fields",
          json::parse(R"({"fields":[{"name":"cusCrmId","length":36}],"key":["cusCrmId"],
                          "filters":[{"name":"byCrmId","parameters":["cusCrmId"]}]})"));
  const auto pkey =
      create(R"({"email":"a@x.com","cusCrmId":"60c4e274"})", "/profileAndServicesExt/profile");
  const auto found =
      object(get("/profileAndServicesExt/profile/byCrmId?cusCrmId_parameter=60c4e274"));
  ASSERT_EQ(found.at("content").as_array().size(), 1u);
  EXPECT_EQ(found.at("content").as_array()[0].at("PKey").as_string(), pkey);
  EXPECT_EQ(get("/profileAndServices/profile/byCrmId?cusCrmId_parameter=60c4e274").status, 404);
  EXPECT_FALSE(object(get("/profileAndServices/profile/" + pkey)).contains("cusCrmId"));
  EXPECT_EQ(object(get("/profileAndServicesExt/profile/60c4e274")).at("PKey").as_string(), pkey);
  const auto on_base = post("/profileAndServices/profile", R"({"cusCrmId":"x"})");
  EXPECT_EQ(on_base.status, 500);
  EXPECT_NE(on_base.body.find("'cusCrmId' property is not valid for the 'profile' resource."),
            std::string::npos);
  const auto duplicate = post("/profileAndServicesExt/profile", R"({"cusCrmId":"60c4e274"})");
  EXPECT_EQ(duplicate.status, 500);
  EXPECT_NE(duplicate.body.find("duplicate key value violates unique constraint"),
            std::string::npos);
  const auto key_change =
      patch("/profileAndServicesExt/profile/" + pkey, R"({"cusCrmId":"other"})");
  EXPECT_EQ(key_change.status, 500);
  EXPECT_NE(key_change.body.find("RST-360012"), std::string::npos);
}

TEST_F(CampaignEmulator, CustomResourceCrudWithLinkToProfile) {
  define_vehicle();
  const auto owner = create(R"({"email":"owner@x.com"})");
  const auto reply = post(
      "/profileAndServicesExt/cusVehicle",
      R"({"cusVin":"WVWZZZ1JZXW000001","cusModel":"Golf","profile":{"PKey":")" + owner + R"("}})");
  ASSERT_EQ(reply.status, 201) << reply.body;
  const auto vehicle = object(reply);
  const std::string pkey(vehicle.at("PKey").as_string());
  EXPECT_EQ(vehicle.at("profile").at("href").as_string(),
            std::string(base) + "/acme/campaign/profileAndServicesExt/profile/" + owner);
  const auto by_vin =
      object(get("/profileAndServicesExt/cusVehicle/byVin?cusVin_parameter=WVWZZZ1JZXW000001"));
  ASSERT_EQ(by_vin.at("content").as_array().size(), 1u);
  EXPECT_EQ(patch("/profileAndServicesExt/cusVehicle/" + pkey, R"({"cusModel":"Polo"})").status,
            200);
  EXPECT_EQ(object(get("/profileAndServicesExt/cusVehicle/" + pkey)).at("cusModel").as_string(),
            "Polo");
  const auto records = campaign_.records("cusVehicle");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("_links").at("profile").as_string(), owner);
  EXPECT_EQ(
      post("/profileAndServicesExt/cusVehicle", R"({"cusVin":"X2","profile":{"PKey":"@nope"}})")
          .status,
      500);
  EXPECT_EQ(call("DELETE", "/acme/campaign/profileAndServicesExt/cusVehicle/" + pkey).status, 200);
  EXPECT_EQ(get("/profileAndServicesExt/cusVehicle/" + pkey).status, 404);
}

TEST_F(CampaignEmulator, ListsCustomResourcesPerApi) {
  define_vehicle();
  control("define_resource", json::parse(R"({"name":"cusDealer","api":"customResources",
                          "fields":[{"name":"cusCode"}],"key":["cusCode"]})"));
  const auto ext = object(get("/profileAndServicesExt/"));
  EXPECT_EQ(ext.at("apiName").as_string(), "resourceType");
  ASSERT_TRUE(ext.contains("cusVehicle"));
  EXPECT_FALSE(ext.contains("cusDealer"));
  EXPECT_EQ(ext.at("cusVehicle").at("data").as_string(), "/profileAndServicesExt/cusVehicle/");
  EXPECT_EQ(ext.at("cusVehicle").at("type").as_string(), "collection");
  EXPECT_TRUE(object(get("/customResources")).contains("cusDealer"));
  EXPECT_EQ(get("/profileAndServicesExt/cusDealer").status, 404);
  const auto dealer = create(R"({"cusCode":"D1"})", "/customResources/cusDealer");
  EXPECT_EQ(object(get("/customResources/cusDealer/D1")).at("PKey").as_string(), dealer);
  const auto meta = object(get("/customResources/resourceType/cusDealer"));
  EXPECT_EQ(meta.at("schema").as_string(), "cus:Dealer");
}

TEST_F(CampaignEmulator, CustomResourceLinksToAnotherCustomResource) {
  control("define_resource", json::parse(R"({"name":"cusDealer","api":"customResources",
                                              "fields":[{"name":"cusCode"}],"key":["cusCode"]})"));
  control("define_resource",
          json::parse(R"({"name":"cusCar","api":"customResources","fields":[{"name":"cusPlate"}],
                          "links":[{"name":"dealer","target":"cusDealer"}],
                          "filters":[{"name":"byDealer",
                                      "parameters":[{"name":"dealer_parameter","field":"dealer"}]}]})"));
  const auto dealer = create(R"({"cusCode":"D1"})", "/customResources/cusDealer");
  const auto car = post("/customResources/cusCar",
                        R"({"cusPlate":"AB-123","dealer":{"PKey":")" + dealer + R"("}})");
  ASSERT_EQ(car.status, 201) << car.body;
  EXPECT_EQ(object(car).at("dealer").at("href").as_string(),
            std::string(base) + "/acme/campaign/customResources/cusDealer/" + dealer);
  const auto by_dealer = object(get("/customResources/cusCar/byDealer?dealer_parameter=" + dealer));
  ASSERT_EQ(by_dealer.at("content").as_array().size(), 1u);
  EXPECT_EQ(by_dealer.at("content").as_array()[0].at("cusPlate").as_string(), "AB-123");
  EXPECT_EQ(call("DELETE", "/acme/campaign/customResources/cusDealer/" + dealer).status, 200);
  const std::string car_pkey(object(car).at("PKey").as_string());
  EXPECT_TRUE(object(get("/customResources/cusCar/" + car_pkey)).at("dealer").is_null());
}

TEST_F(CampaignEmulator, ConcurrentRequestsAreSerialised) {
  std::vector<std::thread> threads;
  std::vector<std::vector<std::string>> created(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t, &created] {
      for (int i = 0; i < 25; ++i) {
        const auto reply =
            post("/profileAndServices/profile",
                 R"({"email":"t)" + std::to_string(t) + "." + std::to_string(i) + R"(@x.com"})");
        if (reply.status == 201) {
          created[static_cast<std::size_t>(t)].emplace_back(
              json::parse(reply.body).at("PKey").as_string());
        }
        get("/profileAndServices/profile?_lineCount=5");
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> all;
  for (const auto& list : created) all.insert(list.begin(), list.end());
  EXPECT_EQ(all.size(), 100u);
  EXPECT_EQ(object(get("/profileAndServices/profile/_count")).at("count").to_number<int>(), 100);
}

TEST_F(CampaignEmulator, MetadataDescribesProfileAndItsFilters) {
  const auto meta = object(get("/profileAndServices/resourceType/profile"));
  EXPECT_EQ(meta.at("name").as_string(), "profile");
  EXPECT_EQ(meta.at("schema").as_string(), "nms:recipient");
  EXPECT_EQ(meta.at("label").as_string(), "Profiles");
  EXPECT_EQ(meta.at("data").as_string(), "/profileAndServices/profile/");
  const auto& email = meta.at("content").at("email");
  EXPECT_EQ(email.at("apiName").as_string(), "email");
  EXPECT_EQ(email.at("type").as_string(), "string");
  EXPECT_EQ(email.at("resType").as_string(), "string");
  EXPECT_EQ(email.at("dataPolicy").as_string(), "email");
  EXPECT_TRUE(email.at("sortable").as_bool());
  EXPECT_EQ(meta.at("content").at("gender").at("type").as_string(), "enumeration");
  EXPECT_TRUE(meta.at("content").at("gender").at("values").as_object().contains("female"));
  const std::string filters_href(meta.at("filters").at("href").as_string());
  EXPECT_TRUE(filters_href.ends_with("/filters/")) << filters_href;
  const auto filters = object(call("GET", filters_href));
  EXPECT_EQ(filters.at("byText").at("data").as_string(),
            "/profileAndServices/profile/byText?text=$value");
  EXPECT_EQ(filters.at("byEmail").at("label").as_string(), "By email");
  EXPECT_TRUE(filters.at("byEmail").at("PKey").as_string().starts_with("@"));
  EXPECT_EQ(object(get("/profileAndServices/profile/metadata")).at("schema").as_string(),
            "nms:recipient");
}

TEST_F(CampaignEmulator, GatewayRejectsBadCredentialsWithDocumentedBodies) {
  const auto no_token = call("GET", "/acme/campaign/profileAndServices/profile", "", "nope");
  EXPECT_EQ(no_token.status, 401);
  EXPECT_EQ(json::parse(no_token.body),
            json::parse(R"({"error_code":"401013","message":"Oauth token is not valid"})"));
  const auto wrong_key =
      call("GET", "/acme/campaign/profileAndServices/profile", "", "", "another-key");
  EXPECT_EQ(wrong_key.status, 403);
  EXPECT_EQ(json::parse(wrong_key.body),
            json::parse(R"({"error_code":"403023","message":"Profile is not valid"})"));
  EXPECT_EQ(call("GET", "/acme/campaign/profileAndServices/profile", "", "", "").status, 403);
  const auto other_org =
      tokens_.issue(std::string(api_key), "OTHER@AdobeOrg", std::chrono::hours(1));
  EXPECT_EQ(call("GET", "/acme/campaign/profileAndServices/profile", "", other_org).status, 403);
  const auto wrong_instance = call("GET", "/globex/campaign/profileAndServices/profile");
  EXPECT_EQ(wrong_instance.status, 500);
  EXPECT_EQ(
      json::parse(wrong_instance.body),
      json::parse(
          R"({"code":500,"message":"Oops. Something went wrong. Check your URI and try again."})"));
  control("expire_tokens");
  EXPECT_EQ(get("/profileAndServices/profile").status, 401);
}

TEST_F(CampaignEmulator, MalformedJsonBodyIs400NotACrash) {
  const auto pkey = create(R"({"email":"a@x.com"})");
  for (const std::string body : {"{bad", "[1,2]", "", "{\"email\":"}) {
    const auto created = post("/profileAndServices/profile", body);
    EXPECT_EQ(created.status, 400) << body;
    EXPECT_TRUE(created.body.starts_with("RST-360011")) << created.body;
    EXPECT_EQ(patch("/profileAndServices/profile/" + pkey, body).status, 400) << body;
  }
}

TEST_F(CampaignEmulator, WritesAreValidatedLikeTheEngine) {
  const auto pkey = create(R"({"email":"a@x.com"})");
  const auto unknown = post("/profileAndServices/profile", R"({"foo":"bar"})");
  EXPECT_EQ(unknown.status, 500);
  EXPECT_NE(unknown.body.find("'foo' property is not valid for the 'profile' resource."),
            std::string::npos);
  const auto age = patch("/profileAndServices/profile/" + pkey, R"({"age":42})");
  EXPECT_EQ(age.status, 500);
  EXPECT_TRUE(age.body.starts_with("Cannot update the 'age' property that is read-only"));
  const auto gender = post("/profileAndServices/profile", R"({"gender":"invalid"})");
  EXPECT_EQ(gender.status, 500);
  EXPECT_NE(gender.body.find("'nms:recipient:gender' enumeration"), std::string::npos);
  EXPECT_EQ(post("/profileAndServices/profile", R"({"blackList":"yes"})").status, 500);
  EXPECT_EQ(post("/profileAndServices/profile", R"({"birthDate":"24/10/1980"})").status, 500);
  const auto long_name = create(R"({"firstName":"Abcdefghijklmnopqrstuvwxyz0123456789"})");
  EXPECT_EQ(object(get("/profileAndServices/profile/" + long_name)).at("firstName").as_string(),
            "Abcdefghijklmnopqrstuvwxyz0123");
  EXPECT_EQ(object(get("/profileAndServices/profile.json")).at("content").as_array().size(), 2u);
}

TEST_F(CampaignEmulator, OptOutNamesCanBeDenyList) {
  control("configure", json::object{{"opt_out_prefix", "denyList"}});
  const auto pkey = create(R"({"email":"a@x.com","denyListEmail":true})");
  const auto body = object(get("/profileAndServices/profile/" + pkey));
  EXPECT_TRUE(body.at("denyListEmail").as_bool());
  EXPECT_FALSE(body.contains("blackListEmail"));
  EXPECT_EQ(post("/profileAndServices/profile", R"({"blackListEmail":true})").status, 500);
  EXPECT_TRUE(object(get("/profileAndServices/resourceType/profile"))
                  .at("content")
                  .as_object()
                  .contains("denyListPushnotification"));
}

TEST_F(CampaignEmulator, TracksPerAttributeChangeTimes) {
  const auto pkey = create(R"({"email":"a@x.com","externalId":"60c4e274"})");
  control("advance_clock", json::object{{"seconds", 60}});
  const auto before = control("opt_out_changes").at("list").as_array().size();
  EXPECT_EQ(before, 0u);
  EXPECT_EQ(patch("/profileAndServices/profile/" + pkey, R"({"blackListEmail":true})").status, 200);
  control("advance_clock", json::object{{"seconds", 60}});
  EXPECT_EQ(
      patch("/profileAndServices/profile/" + pkey, R"({"blackListEmail":true,"firstName":"Amy"})")
          .status,
      200);
  const auto changes = control("opt_out_changes").at("list").as_array();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].at("attribute").as_string(), "blackListEmail");
  EXPECT_EQ(changes[0].at("externalId").as_string(), "60c4e274");
  EXPECT_TRUE(changes[0].at("value").as_bool());
  const auto profiles = control("profiles").at("list").as_array();
  ASSERT_EQ(profiles.size(), 1u);
  const auto& changed = profiles[0].at("_changed").as_object();
  EXPECT_LT(changed.at("email").as_string(), changed.at("blackListEmail").as_string());
  EXPECT_LT(changed.at("blackListEmail").as_string(), changed.at("firstName").as_string());
  const std::string since(changed.at("blackListEmail").as_string());
  EXPECT_TRUE(
      control("opt_out_changes", json::object{{"since", since}}).at("list").as_array().empty());
}

TEST_F(CampaignEmulator, ControlSeedsDeterministicallyAndReportsErrors) {
  token_registry other_tokens;
  campaign_emulator twin(other_tokens, options());
  EXPECT_EQ(campaign_.seed_profiles(5, 42, true), twin.seed_profiles(5, 42, true));
  EXPECT_EQ(json::serialize(campaign_.records("profile")[3].at("email")),
            json::serialize(twin.records("profile")[3].at("email")));
  EXPECT_FALSE(campaign_.records("profile")[0].at("externalId").as_string().empty());
  const auto seeded = control("seed_profiles", json::object{{"count", 3}, {"seed", 9}});
  EXPECT_EQ(seeded.at("created").to_number<int>(), 3);
  const auto bad = campaign_.control("define_resource", "POST", json::object{{"name", "vehicle"}});
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->status, 400);
  EXPECT_FALSE(campaign_.control("unknown_action", "POST", nullptr).has_value());
  const auto created = control("create_record", json::parse(R"({"fields":{"email":"c@x.com"}})"));
  const auto updated = control(
      "update_record",
      json::object{{"pkey", created.at("PKey")}, {"fields", json::object{{"blackList", true}}}});
  EXPECT_TRUE(updated.at("blackList").as_bool());
  control("clear");
  EXPECT_TRUE(campaign_.records("profile").empty());
}

TEST_F(CampaignEmulator, ClassifiesRequests) {
  server_request request;
  request.method = "GET";
  request.target = "/acme/campaign/profileAndServices/profile?_lineCount=10";
  EXPECT_EQ(campaign_.classify(request), "GET profile");
  request.method = "POST";
  EXPECT_EQ(campaign_.classify(request), "POST profile");
  request.method = "PATCH";
  request.target = "/acme/campaign/profileAndServicesExt/cusVehicle/@abc";
  EXPECT_EQ(campaign_.classify(request), "PATCH cusVehicle");
  request.method = "GET";
  request.target = "/acme/campaign/profileAndServices/resourceType/profile";
  EXPECT_EQ(campaign_.classify(request), "GET metadata");
  request.target = "/acme/campaign/profileAndServices/profile/byText/_count?text=a";
  EXPECT_EQ(campaign_.classify(request), "GET count");
}

}  // namespace
}  // namespace switchboard::sandbox
