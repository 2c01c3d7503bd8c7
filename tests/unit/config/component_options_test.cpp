// Tests of resolve_component_config (overlay, secret references, schema checks, redaction) and
// to_json_schema.
#include "switchboard/host/config.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <map>
#include <string>

namespace switchboard::host {
namespace {

namespace json = boost::json;
using sdk::option_type;

/// Builds an option_def field by field.
class option {
 public:
  explicit option(std::string name, option_type type = option_type::string) {
    def_.name = std::move(name);
    def_.type = type;
  }
  option& description(std::string text) {
    def_.description = std::move(text);
    return *this;
  }
  option& default_value(json::value value) {
    def_.default_value = std::move(value);
    return *this;
  }
  option& required() {
    def_.required = true;
    return *this;
  }
  option& secret() {
    def_.secret = true;
    return *this;
  }
  option& allowed(std::vector<json::value> values) {
    def_.allowed_values = std::move(values);
    return *this;
  }
  option& minimum(double value) {
    def_.minimum = value;
    return *this;
  }
  option& maximum(double value) {
    def_.maximum = value;
    return *this;
  }
  operator sdk::option_def() const { return def_; }

 private:
  sdk::option_def def_;
};

constexpr const char* secret_text = "s3cr3t-Value-42";

/// A resolver over fixed maps instead of the real environment and file system.
secret_resolver fake_resolver(std::map<std::string, std::string> env,
                              std::map<std::string, std::string> files = {}) {
  auto lookup = [](std::map<std::string, std::string> values) {
    return [values = std::move(values)](const std::string& key) -> std::optional<std::string> {
      const auto it = values.find(key);
      if (it == values.end()) return std::nullopt;
      return it->second;
    };
  };
  return {lookup(std::move(env)), lookup(std::move(files))};
}

component_config component(const std::string& config, const std::string& connection = "") {
  return {"crm.source",
          connection,
          json::parse(config).as_object(),
          {"/cfg/tenants/acme.json", "/routes/2/source"}};
}

connection_config connection(const std::string& options) {
  return {"crm",
          "crm",
          json::parse(options).as_object(),
          {},
          {"/cfg/host.json", "/tenants/0/connections/crm"}};
}

sdk::config_schema crm_schema() {
  return {
      option("url").required(),
      option("token").secret(),
      option("port", option_type::integer).default_value(443).minimum(1).maximum(65535),
      option("mode").default_value("full").allowed({"full", "delta"}),
      option("ratio", option_type::number).minimum(0),
      option("fields", option_type::string_list),
      option("headers", option_type::object),
      option("steps", option_type::array),
      option("verbose", option_type::boolean),
  };
}

/// Runs resolve_component_config and returns the config_error it must throw.
config_error resolve_error(const component_config& c, const connection_config* conn = nullptr,
                           const secret_resolver& resolver = fake_resolver({})) {
  secret_registry secrets;
  try {
    resolve_component_config(c, conn, crm_schema(), resolver, secrets);
  } catch (const config_error& e) {
    return e;
  }
  ADD_FAILURE() << "no config_error thrown";
  return config_error("", "", "");
}

TEST(ComponentOptions, FillsDefaults) {
  secret_registry secrets;
  const auto result = resolve_component_config(component(R"({"url": "https://crm"})"), nullptr,
                                               crm_schema(), fake_resolver({}), secrets);
  EXPECT_EQ(result, json::parse(R"({"url": "https://crm", "port": 443, "mode": "full"})"));
  EXPECT_TRUE(secrets.empty());
}

TEST(ComponentOptions, OverlaysComponentConfigOnConnectionOptions) {
  secret_registry secrets;
  const auto conn = connection(R"({"url": "https://a", "port": 8443, "mode": "delta"})");
  const auto result =
      resolve_component_config(component(R"({"url": "https://b", "verbose": true})", "crm"), &conn,
                               crm_schema(), fake_resolver({}), secrets);
  EXPECT_EQ(result, json::parse(R"({"url": "https://b", "port": 8443, "mode": "delta",
                                    "verbose": true})"));
}

TEST(ComponentOptions, ResolvesEnvAndFileReferences) {
  secret_registry secrets;
  const auto resolver = fake_resolver({{"CRM_HOST", "crm.example"}, {"CRM_PORT", "8443"}},
                                      {{"/run/secrets/token", secret_text}});
  const auto result =
      resolve_component_config(component(R"({"url": "https://${env:CRM_HOST}:${env:CRM_PORT}/api",
                    "token": "${file:/run/secrets/token}",
                    "headers": {"x-auth": ["Bearer ${file:/run/secrets/token}"]},
                    "mode": "${not:a-reference}"})"),
                               nullptr,
                               {option("url"), option("token").secret(),
                                option("headers", option_type::object), option("mode")},
                               resolver, secrets);
  EXPECT_EQ(result.at("url").as_string(), "https://crm.example:8443/api");
  EXPECT_EQ(result.at("token").as_string(), secret_text);
  EXPECT_EQ(result.at("headers").at("x-auth").at(0).as_string(),
            std::string("Bearer ") + secret_text);
  EXPECT_EQ(result.at("mode").as_string(), "${not:a-reference}");
  EXPECT_EQ(secrets.redact("host crm.example token s3cr3t-Value-42"), "host *** token ***");
}

TEST(ComponentOptions, ReportsUnresolvableReferenceAtItsPointer) {
  const auto e = resolve_error(component(R"({"url": "u", "headers": {"a/b": "x ${env:NOPE}"}})"));
  EXPECT_EQ(e.file(), "/cfg/tenants/acme.json");
  EXPECT_EQ(e.pointer(), "/routes/2/source/config/headers/a~1b");
  EXPECT_EQ(e.reason(), "secret reference ${env:NOPE} is not set");
}

TEST(ComponentOptions, ReportsUnreadableFileReference) {
  const auto e = resolve_error(component(R"({"url": "${file:/no/such}"})"));
  EXPECT_EQ(e.pointer(), "/routes/2/source/config/url");
  EXPECT_EQ(e.reason(), "secret reference ${file:/no/such} cannot be read");
}

TEST(ComponentOptions, RejectsUnterminatedReference) {
  const auto e = resolve_error(component(R"({"url": "${env:URL"})"));
  EXPECT_EQ(e.pointer(), "/routes/2/source/config/url");
  EXPECT_NE(e.reason().find("unterminated secret reference"), std::string::npos);
}

TEST(ComponentOptions, ReportsConnectionValueAtConnectionPointer) {
  const auto conn = connection(R"({"url": "u", "port": "https"})");
  const auto e = resolve_error(component("{}", "crm"), &conn);
  EXPECT_EQ(e.file(), "/cfg/host.json");
  EXPECT_EQ(e.pointer(), "/tenants/0/connections/crm/options/port");
  EXPECT_EQ(e.reason(), R"(expected an integer, got "https")");
}

TEST(ComponentOptions, RejectsTypeMismatch) {
  const auto e = resolve_error(component(R"({"url": "u", "fields": ["a", 1]})"));
  EXPECT_EQ(e.pointer(), "/routes/2/source/config/fields");
  EXPECT_EQ(e.reason(), R"(expected an array of strings, got ["a",1])");
  EXPECT_EQ(resolve_error(component(R"({"url": 5})")).reason(), "expected a string, got 5");
  EXPECT_EQ(resolve_error(component(R"({"url": "u", "port": 80.5})")).reason(),
            "expected an integer, got 80.5");
  EXPECT_EQ(resolve_error(component(R"({"url": "u", "verbose": 1})")).reason(),
            "expected a boolean, got 1");
  EXPECT_EQ(resolve_error(component(R"({"url": "u", "headers": []})")).reason(),
            "expected an object, got []");
  EXPECT_EQ(resolve_error(component(R"({"url": "u", "steps": {}})")).reason(),
            "expected an array, got {}");
}

TEST(ComponentOptions, AcceptsIntegralNumbersAsIntegers) {
  secret_registry secrets;
  const auto result = resolve_component_config(
      component(R"({"url": "u", "port": 8080.0, "ratio": 2, "fields": ["a"], "steps": [1]})"),
      nullptr, crm_schema(), fake_resolver({}), secrets);
  EXPECT_TRUE(result.at("port").is_int64());
  EXPECT_EQ(result.at("port").as_int64(), 8080);
  EXPECT_EQ(result.at("ratio"), 2);
}

TEST(ComponentOptions, RejectsUnknownKeyListingAllowedKeys) {
  const auto e = resolve_error(component(R"({"url": "u", "prot": 1})"));
  EXPECT_EQ(e.pointer(), "/routes/2/source/config/prot");
  EXPECT_EQ(e.reason(),
            "unknown key \"prot\" (allowed: url, token, port, mode, ratio, fields, "
            "headers, steps, verbose)");
}

TEST(ComponentOptions, RejectsValueNotAllowed) {
  const auto e = resolve_error(component(R"({"url": "u", "mode": "partial"})"));
  EXPECT_EQ(e.pointer(), "/routes/2/source/config/mode");
  EXPECT_EQ(e.reason(), R"(expected one of "full", "delta", got "partial")");
}

TEST(ComponentOptions, RejectsValuesOutOfBounds) {
  EXPECT_EQ(resolve_error(component(R"({"url": "u", "port": 0})")).reason(),
            "expected a value from 1 to 65535, got 0");
  EXPECT_EQ(resolve_error(component(R"({"url": "u", "port": 70000})")).reason(),
            "expected a value from 1 to 65535, got 70000");
  EXPECT_EQ(resolve_error(component(R"({"url": "u", "ratio": -0.5})")).reason(),
            "expected a value of at least 0, got -0.5");
}

TEST(ComponentOptions, RejectsMissingRequiredOption) {
  const auto e = resolve_error(component(R"({"port": 80, "url": null})"));
  EXPECT_EQ(e.file(), "/cfg/tenants/acme.json");
  EXPECT_EQ(e.pointer(), "/routes/2/source/config/url");
  EXPECT_EQ(e.reason(), "required key is missing");
}

TEST(ComponentOptions, NeverPrintsSecretValues) {
  const sdk::config_schema schema = {
      option("token", option_type::integer).secret(),
      option("level").allowed({"low", "high"}).secret(),
      option("count", option_type::integer),
      option("limit", option_type::number).maximum(10),
  };
  const auto resolver = fake_resolver({{"COUNT", secret_text}, {"LIMIT", "99"}});
  const std::vector<std::string> configs = {
      R"({"token": "s3cr3t-Value-42"})", R"({"level": "s3cr3t-Value-42"})",
      R"({"count": "${env:COUNT}"})",    R"({"count": ["${env:COUNT}"]})",
      R"({"limit": "${env:LIMIT}"})",
  };
  for (const auto& config : configs) {
    secret_registry secrets;
    try {
      resolve_component_config(component(config), nullptr, schema, resolver, secrets);
      ADD_FAILURE() << "no config_error thrown for " << config;
    } catch (const config_error& e) {
      EXPECT_EQ(std::string(e.what()).find(secret_text), std::string::npos) << e.what();
      EXPECT_NE(e.reason().find("(value hidden)"), std::string::npos) << e.what();
    }
  }
}

TEST(ComponentOptions, RegistersSecretOptionValues) {
  secret_registry secrets;
  const auto conn = connection(R"({"url": "u", "token": "plain-token-1"})");
  resolve_component_config(component("{}", "crm"), &conn, crm_schema(), fake_resolver({}), secrets);
  EXPECT_FALSE(secrets.empty());
  EXPECT_EQ(secrets.redact("Authorization: plain-token-1."), "Authorization: ***.");
  EXPECT_EQ(secrets.redact("url u"), "url u");
}

TEST(ComponentOptions, RejectsAnyKeyWhenSchemaIsEmpty) {
  secret_registry secrets;
  try {
    resolve_component_config(component(R"({"x": 1})"), nullptr, {}, fake_resolver({}), secrets);
    ADD_FAILURE() << "no config_error thrown";
  } catch (const config_error& e) {
    EXPECT_EQ(e.reason(), "unknown key \"x\" (this component takes no options)");
  }
}

TEST(JsonSchema, RendersOptionDefinitions) {
  const sdk::config_schema schema = {
      option("url").description("endpoint").required(),
      option("token").secret(),
      option("port", option_type::integer).default_value(443).minimum(1).maximum(65535),
      option("ratio", option_type::number).maximum(0.5),
      option("mode").allowed({"full", "delta"}),
      option("fields", option_type::string_list),
      option("extra", option_type::object),
      option("steps", option_type::array),
      option("dry", option_type::boolean).default_value(false),
  };
  EXPECT_EQ(to_json_schema(schema), json::parse(R"({
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "url": {"type": "string", "description": "endpoint"},
      "token": {"type": "string", "writeOnly": true},
      "port": {"type": "integer", "default": 443, "minimum": 1, "maximum": 65535},
      "ratio": {"type": "number", "maximum": 0.5},
      "mode": {"type": "string", "enum": ["full", "delta"]},
      "fields": {"type": "array", "items": {"type": "string"}},
      "extra": {"type": "object"},
      "steps": {"type": "array"},
      "dry": {"type": "boolean", "default": false}
    },
    "required": ["url"]
  })"));
}

TEST(JsonSchema, RendersEmptySchema) {
  EXPECT_EQ(to_json_schema({}), json::parse(R"({
    "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
    "additionalProperties": false, "properties": {}, "required": []})"));
}

}  // namespace
}  // namespace switchboard::host
