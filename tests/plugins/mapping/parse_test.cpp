// parse_mapping: defaults, the full format, and one clear error per malformed shape.
#include "mapping/mapping.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <cctype>
#include <functional>
#include <string>

namespace {

namespace json = boost::json;
namespace m = switchboard::mapping;

json::object object_of(std::string_view text) { return json::parse(text).as_object(); }

constexpr std::string_view base_mapping = R"({
  "name": "contacts",
  "source": {"table": "contact", "key": "contactid"},
  "target": {"resource": "profile", "key": "externalId"},
  "fields": [
    {"source": "firstname", "target": "firstName"},
    {"source": "emailaddress1", "target": "email", "apply_updates": false}
  ]
})";

TEST(ParseMapping, AppliesDefaults) {
  const auto spec = m::parse_mapping(object_of(R"({
    "source": {"table": "contact"},
    "target": {"resource": "profile", "key": "externalId"},
    "fields": [{"source": "firstname", "target": "firstName"}]
  })"),
                                     "acme.contacts");
  EXPECT_EQ(spec.name, "acme.contacts");
  EXPECT_EQ(spec.source_table, "contact");
  EXPECT_EQ(spec.source_key, "");
  EXPECT_EQ(spec.target_resource, "profile");
  EXPECT_EQ(spec.target_key, "externalId");
  ASSERT_EQ(spec.fields.size(), 1U);
  EXPECT_TRUE(spec.fields[0].apply_updates);
  EXPECT_EQ(spec.fields[0].link_route, "");
  EXPECT_TRUE(spec.replacements.empty());
  EXPECT_TRUE(spec.filters.empty());
  EXPECT_EQ(spec.combine, m::filter_combine::all);
  EXPECT_FALSE(spec.delete_filtered_out);
  EXPECT_TRUE(spec.apply_deletes);
  EXPECT_FALSE(spec.picklist_labels);
  EXPECT_FALSE(spec.has_links());
}

TEST(ParseMapping, ReadsEveryKey) {
  const auto spec = m::parse_mapping(object_of(R"({
    "name": "vehicles",
    "source": {"table": "new_vehicle", "key": "new_vehicleid"},
    "target": {"resource": "cusVehicle", "key": "crmId"},
    "fields": [
      {"source": "new_name", "target": "name"},
      {"source": "new_colour", "target": "colour", "apply_updates": false},
      {"source": "_new_contactid_value", "target": "cusProfile", "link": "contacts"}
    ],
    "replacements": [{"field": "new_colour", "from": "#00FF00", "to": "green"},
                     {"field": "new_colour", "from": null, "to": "unknown"}],
    "filters": {"combine": "or", "delete_filtered_out": true, "rules": [
      {"field": "statecode", "op": "eq", "value": 0},
      {"field": "new_name", "op": "is-null"},
      {"field": "new_kind", "op": "in", "value": [1, 2]}
    ]},
    "apply_deletes": false,
    "picklists": "label"
  })"),
                                     "ignored");
  EXPECT_EQ(spec.name, "vehicles");
  EXPECT_EQ(spec.source_key, "new_vehicleid");
  EXPECT_EQ(spec.target_key, "crmId");
  ASSERT_EQ(spec.fields.size(), 3U);
  EXPECT_FALSE(spec.fields[1].apply_updates);
  EXPECT_EQ(spec.fields[2].link_route, "contacts");
  EXPECT_TRUE(spec.has_links());
  ASSERT_EQ(spec.replacements.size(), 2U);
  EXPECT_EQ(spec.replacements[0].from, json::value("#00FF00"));
  EXPECT_EQ(spec.replacements[0].to, json::value("green"));
  EXPECT_TRUE(spec.replacements[1].from.is_null());
  ASSERT_EQ(spec.filters.size(), 3U);
  EXPECT_EQ(spec.filters[0].op, m::filter_op::eq);
  EXPECT_EQ(spec.filters[1].op, m::filter_op::is_null);
  EXPECT_TRUE(spec.filters[1].value.is_null());
  EXPECT_EQ(spec.filters[2].op, m::filter_op::in);
  EXPECT_EQ(spec.filters[2].value, json::parse("[1, 2]"));
  EXPECT_EQ(spec.combine, m::filter_combine::any);
  EXPECT_TRUE(spec.delete_filtered_out);
  EXPECT_FALSE(spec.apply_deletes);
  EXPECT_TRUE(spec.picklist_labels);
}

TEST(ParseMapping, ReadsEveryOperatorName) {
  const std::pair<std::string_view, m::filter_op> ops[] = {
      {"eq", m::filter_op::eq},
      {"ne", m::filter_op::ne},
      {"gt", m::filter_op::gt},
      {"ge", m::filter_op::ge},
      {"lt", m::filter_op::lt},
      {"le", m::filter_op::le},
      {"contains", m::filter_op::contains},
      {"startswith", m::filter_op::startswith},
      {"endswith", m::filter_op::endswith},
  };
  for (const auto& [name, op] : ops) {
    auto o = object_of(base_mapping);
    o["filters"] = {
        {"rules", json::array{json::object{{"field", "x"}, {"op", name}, {"value", "a"}}}}};
    const auto spec = m::parse_mapping(o, "r");
    ASSERT_EQ(spec.filters.size(), 1U);
    EXPECT_EQ(spec.filters[0].op, op) << name;
    EXPECT_EQ(m::to_string(op), name);
  }
  EXPECT_EQ(m::to_string(m::filter_op::in), "in");
  EXPECT_EQ(m::to_string(m::filter_op::is_null), "is-null");
  EXPECT_EQ(m::to_string(m::filter_op::not_null), "not-null");
}

TEST(ParseMapping, PicklistsValueIsTheDefault) {
  auto o = object_of(base_mapping);
  o["picklists"] = "value";
  EXPECT_FALSE(m::parse_mapping(o, "r").picklist_labels);
}

TEST(ParseMapping, SourceKeyMayAlsoBeMappedToAnotherField) {
  auto o = object_of(base_mapping);
  o["fields"].as_array().push_back(json::object{{"source", "contactid"}, {"target", "crmId"}});
  const auto spec = m::parse_mapping(o, "r");
  EXPECT_EQ(spec.fields.back().source, "contactid");
  // Read once, although both the key and a field.
  EXPECT_EQ(spec.source_columns(),
            (std::vector<std::string>{"contactid", "firstname", "emailaddress1"}));
}

TEST(ParseMapping, SourceColumnsAreKeyFieldsAndFiltersOnceInOrder) {
  auto o = object_of(base_mapping);
  o["filters"] = object_of(R"({"rules": [
    {"field": "statecode", "op": "eq", "value": 0},
    {"field": "firstname", "op": "not-null"},
    {"field": "donotemail", "op": "ne", "value": true},
    {"field": "statecode", "op": "ne", "value": 2}
  ]})");
  EXPECT_EQ(m::parse_mapping(o, "r").source_columns(),
            (std::vector<std::string>{"contactid", "firstname", "emailaddress1", "statecode",
                                      "donotemail"}));
  o["source"].as_object()["key"] = "";
  EXPECT_EQ(m::parse_mapping(o, "r").source_columns(),
            (std::vector<std::string>{"firstname", "emailaddress1", "statecode", "donotemail"}));
}

struct malformed_case {
  std::string_view title;
  std::function<void(json::value&)> edit;
  std::string_view message;
};

/// Shown by GoogleTest instead of the case's bytes.
void PrintTo(const malformed_case& c, std::ostream* os) { *os << c.title; }

// Sets the member `key` of the object at `pointer` ("" = the root).
void put(json::value& doc, std::string_view pointer, std::string_view key, json::value v) {
  json::value& parent = pointer.empty() ? doc : doc.at_pointer(pointer);
  parent.as_object()[key] = std::move(v);
}

void erase(json::value& doc, std::string_view pointer, std::string_view key) {
  json::value& parent = pointer.empty() ? doc : doc.at_pointer(pointer);
  parent.as_object().erase(key);
}

void add_field(json::value& doc, std::string_view field_json) {
  doc.at_pointer("/fields").as_array().push_back(json::parse(field_json));
}

void set_filters(json::value& doc, std::string_view filters_json) {
  put(doc, "", "filters", json::parse(filters_json));
}

void one_rule(json::value& doc, std::string_view rule_json) {
  put(doc, "", "filters", json::object{{"rules", json::array{json::parse(rule_json)}}});
}

const malformed_case malformed_cases[] = {
    {"name not a string", [](json::value& d) { put(d, "", "name", 5); },
     R"(mapping "route-1": /name: expected a string, got number 5)"},
    {"name empty", [](json::value& d) { put(d, "", "name", ""); },
     R"(mapping "route-1": /name: must not be empty)"},
    {"unknown root key", [](json::value& d) { put(d, "", "colour", "red"); },
     R"(mapping "contacts": /colour: unknown key "colour" (allowed: name, source, target, fields, replacements, filters, apply_deletes, picklists))"},
    {"unknown key escaped in pointer", [](json::value& d) { put(d, "", "a/b~c", 1); },
     R"(mapping "contacts": /a~1b~0c: unknown key "a/b~c" (allowed: name, source, target, fields, replacements, filters, apply_deletes, picklists))"},
    {"source missing", [](json::value& d) { erase(d, "", "source"); },
     R"(mapping "contacts": required key "source" is missing)"},
    {"source not an object", [](json::value& d) { put(d, "", "source", "contact"); },
     R"(mapping "contacts": /source: expected an object, got string "contact")"},
    {"source table missing", [](json::value& d) { erase(d, "/source", "table"); },
     R"(mapping "contacts": /source: required key "table" is missing)"},
    {"source table empty", [](json::value& d) { put(d, "/source", "table", ""); },
     R"(mapping "contacts": /source/table: must not be empty)"},
    {"source key not a string", [](json::value& d) { put(d, "/source", "key", 1); },
     R"(mapping "contacts": /source/key: expected a string, got number 1)"},
    {"source unknown key", [](json::value& d) { put(d, "/source", "keys", "x"); },
     R"(mapping "contacts": /source/keys: unknown key "keys" (allowed: table, key))"},
    {"target missing", [](json::value& d) { erase(d, "", "target"); },
     R"(mapping "contacts": required key "target" is missing)"},
    {"target key missing", [](json::value& d) { erase(d, "/target", "key"); },
     R"(mapping "contacts": /target: required key "key" is missing)"},
    {"target resource empty", [](json::value& d) { put(d, "/target", "resource", ""); },
     R"(mapping "contacts": /target/resource: must not be empty)"},
    {"target key empty", [](json::value& d) { put(d, "/target", "key", ""); },
     R"(mapping "contacts": /target/key: must not be empty)"},
    {"target resource not a string", [](json::value& d) { put(d, "/target", "resource", nullptr); },
     R"(mapping "contacts": /target/resource: expected a string, got null)"},
    {"fields missing", [](json::value& d) { erase(d, "", "fields"); },
     R"(mapping "contacts": required key "fields" is missing)"},
    {"fields not an array", [](json::value& d) { put(d, "", "fields", json::object{}); },
     R"(mapping "contacts": /fields: expected an array, got object {})"},
    {"fields empty", [](json::value& d) { put(d, "", "fields", json::array{}); },
     R"(mapping "contacts": /fields: must list at least one field)"},
    {"field not an object", [](json::value& d) { d.at_pointer("/fields/1") = "email"; },
     R"(mapping "contacts": /fields/1: expected an object, got string "email")"},
    {"field target missing", [](json::value& d) { erase(d, "/fields/0", "target"); },
     R"(mapping "contacts": /fields/0: required key "target" is missing)"},
    {"field source empty", [](json::value& d) { put(d, "/fields/0", "source", ""); },
     R"(mapping "contacts": /fields/0/source: must not be empty)"},
    {"field target not a string",
     [](json::value& d) { put(d, "/fields/1", "target", json::array{"a"}); },
     R"(mapping "contacts": /fields/1/target: expected a string, got array ["a"])"},
    {"apply_updates not a boolean",
     [](json::value& d) { put(d, "/fields/1", "apply_updates", "no"); },
     R"(mapping "contacts": /fields/1/apply_updates: expected a boolean, got string "no")"},
    {"field unknown key", [](json::value& d) { put(d, "/fields/0", "tagret", "x"); },
     R"(mapping "contacts": /fields/0/tagret: unknown key "tagret" (allowed: source, target, apply_updates, link))"},
    {"field link empty", [](json::value& d) { put(d, "/fields/0", "link", ""); },
     R"(mapping "contacts": /fields/0/link: must name the route whose records the link points to)"},
    {"two sources to one target",
     [](json::value& d) { add_field(d, R"({"source": "emailaddress2", "target": "email"})"); },
     R"(mapping "contacts": /fields/2/target: two source fields map to target field "email": "emailaddress1" (/fields/1) and "emailaddress2"; a target field takes one source field)"},
    {"one source twice",
     [](json::value& d) { add_field(d, R"({"source": "firstname", "target": "nickName"})"); },
     R"(mapping "contacts": /fields/2/source: source field "firstname" is mapped twice: to "firstName" (/fields/0) and to "nickName"; map each source field once)"},
    {"target key mapped as a field",
     [](json::value& d) { add_field(d, R"({"source": "contactid", "target": "externalId"})"); },
     R"(mapping "contacts": /fields/2/target: "externalId" is the target key, which always receives the source key; remove this field)"},
    {"replacements not an array",
     [](json::value& d) { put(d, "", "replacements", json::object{}); },
     R"(mapping "contacts": /replacements: expected an array, got object {})"},
    {"replacement not an object",
     [](json::value& d) { put(d, "", "replacements", json::array{1}); },
     R"(mapping "contacts": /replacements/0: expected an object, got number 1)"},
    {"replacement to missing",
     [](json::value& d) {
       put(d, "", "replacements", json::parse(R"([{"field": "firstname", "from": "a"}])"));
     },
     R"(mapping "contacts": /replacements/0: required key "to" is missing)"},
    {"replacement unknown key",
     [](json::value& d) {
       put(d, "", "replacements",
           json::parse(R"([{"field": "firstname", "from": "a", "to": "b", "with": 1}])"));
     },
     R"(mapping "contacts": /replacements/0/with: unknown key "with" (allowed: field, from, to))"},
    {"replacement field not mapped",
     [](json::value& d) {
       put(d, "", "replacements",
           json::parse(R"([{"field": "gendercode", "from": 1, "to": "male"}])"));
     },
     R"(mapping "contacts": /replacements/0/field: "gendercode" is not a mapped source field (replacements apply to mapped fields only))"},
    {"replacement from not a scalar",
     [](json::value& d) {
       put(d, "", "replacements",
           json::parse(R"([{"field": "firstname", "from": {}, "to": "b"}])"));
     },
     R"(mapping "contacts": /replacements/0/from: expected a string, number, boolean or null, got object)"},
    {"replacement to not a scalar",
     [](json::value& d) {
       put(d, "", "replacements",
           json::parse(R"([{"field": "firstname", "from": "a", "to": ["b"]}])"));
     },
     R"(mapping "contacts": /replacements/0/to: expected a string, number, boolean or null, got array)"},
    {"replacement duplicate by numeric value",
     [](json::value& d) {
       put(d, "", "replacements",
           json::parse(
               R"([{"field": "firstname", "from": 1, "to": "a"}, {"field": "firstname", "from": 1.0, "to": "b"}])"));
     },
     R"(mapping "contacts": /replacements/1/from: duplicate replacement of "firstname" value 1.0 (already at /replacements/0))"},
    {"replacement on a link field",
     [](json::value& d) {
       add_field(
           d, R"({"source": "_parentcustomerid_value", "target": "company", "link": "accounts"})");
       put(d, "", "replacements",
           json::parse(R"([{"field": "_parentcustomerid_value", "from": "x", "to": "y"}])"));
     },
     R"(mapping "contacts": /replacements/0/field: "_parentcustomerid_value" is written as a link; replacements do not apply to links)"},
    {"filters not an object", [](json::value& d) { put(d, "", "filters", json::array{}); },
     R"(mapping "contacts": /filters: expected an object, got array [])"},
    {"filters unknown key", [](json::value& d) { set_filters(d, R"({"rule": []})"); },
     R"(mapping "contacts": /filters/rule: unknown key "rule" (allowed: combine, rules, delete_filtered_out))"},
    {"combine unknown", [](json::value& d) { set_filters(d, R"({"combine": "xor"})"); },
     R"(mapping "contacts": /filters/combine: unknown value "xor" (allowed: and, or))"},
    {"rules not an array", [](json::value& d) { set_filters(d, R"({"rules": {}})"); },
     R"(mapping "contacts": /filters/rules: expected an array, got object {})"},
    {"delete_filtered_out not a boolean",
     [](json::value& d) { set_filters(d, R"({"delete_filtered_out": "yes"})"); },
     R"(mapping "contacts": /filters/delete_filtered_out: expected a boolean, got string "yes")"},
    {"rule unknown operator",
     [](json::value& d) { one_rule(d, R"({"field": "x", "op": "equals", "value": 1})"); },
     R"(mapping "contacts": /filters/rules/0/op: unknown operator "equals" (allowed: eq, ne, gt, ge, lt, le, contains, startswith, endswith, in, is-null, not-null))"},
    {"rule op missing", [](json::value& d) { one_rule(d, R"({"field": "x", "value": 1})"); },
     R"(mapping "contacts": /filters/rules/0: required key "op" is missing)"},
    {"rule unknown key",
     [](json::value& d) { one_rule(d, R"({"field": "x", "op": "eq", "value": 1, "values": 2})"); },
     R"(mapping "contacts": /filters/rules/0/values: unknown key "values" (allowed: field, op, value))"},
    {"rule field empty",
     [](json::value& d) { one_rule(d, R"({"field": "", "op": "eq", "value": 1})"); },
     R"(mapping "contacts": /filters/rules/0/field: must not be empty)"},
    {"rule value missing", [](json::value& d) { one_rule(d, R"({"field": "x", "op": "eq"})"); },
     R"(mapping "contacts": /filters/rules/0: required key "value" is missing (operator "eq" compares with a value))"},
    {"rule value on is-null",
     [](json::value& d) { one_rule(d, R"({"field": "x", "op": "is-null", "value": null})"); },
     R"(mapping "contacts": /filters/rules/0/value: operator "is-null" takes no value)"},
    {"rule value on not-null",
     [](json::value& d) { one_rule(d, R"({"field": "x", "op": "not-null", "value": 1})"); },
     R"(mapping "contacts": /filters/rules/0/value: operator "not-null" takes no value)"},
    {"eq null", [](json::value& d) { one_rule(d, R"({"field": "x", "op": "eq", "value": null})"); },
     R"(mapping "contacts": /filters/rules/0/value: null is not a value for "eq"; use "is-null")"},
    {"ne null", [](json::value& d) { one_rule(d, R"({"field": "x", "op": "ne", "value": null})"); },
     R"(mapping "contacts": /filters/rules/0/value: null is not a value for "ne"; use "not-null")"},
    {"eq object",
     [](json::value& d) { one_rule(d, R"({"field": "x", "op": "eq", "value": {"a": 1}})"); },
     R"(mapping "contacts": /filters/rules/0/value: operator "eq" needs a string, number or boolean, got object {"a":1})"},
    {"gt boolean",
     [](json::value& d) { one_rule(d, R"({"field": "x", "op": "gt", "value": true})"); },
     R"(mapping "contacts": /filters/rules/0/value: operator "gt" needs a number or a string, got boolean true)"},
    {"contains number",
     [](json::value& d) { one_rule(d, R"({"field": "x", "op": "contains", "value": 5})"); },
     R"(mapping "contacts": /filters/rules/0/value: operator "contains" needs a string, got number 5)"},
    {"startswith empty",
     [](json::value& d) { one_rule(d, R"({"field": "x", "op": "startswith", "value": ""})"); },
     R"(mapping "contacts": /filters/rules/0/value: operator "startswith" needs a non-empty string)"},
    {"in not an array",
     [](json::value& d) { one_rule(d, R"({"field": "x", "op": "in", "value": 1})"); },
     R"(mapping "contacts": /filters/rules/0/value: operator "in" needs a non-empty array of strings, numbers or booleans, got number 1)"},
    {"in empty", [](json::value& d) { one_rule(d, R"({"field": "x", "op": "in", "value": []})"); },
     R"(mapping "contacts": /filters/rules/0/value: operator "in" needs a non-empty array of strings, numbers or booleans, got array [])"},
    {"in element not a scalar",
     [](json::value& d) { one_rule(d, R"({"field": "x", "op": "in", "value": [1, {}]})"); },
     R"(mapping "contacts": /filters/rules/0/value/1: expected a string, number or boolean, got object {})"},
    {"in element null",
     [](json::value& d) { one_rule(d, R"({"field": "x", "op": "in", "value": [null]})"); },
     R"(mapping "contacts": /filters/rules/0/value/0: expected a string, number or boolean, got null)"},
    {"apply_deletes not a boolean", [](json::value& d) { put(d, "", "apply_deletes", 1); },
     R"(mapping "contacts": /apply_deletes: expected a boolean, got number 1)"},
    {"picklists unknown", [](json::value& d) { put(d, "", "picklists", "labels"); },
     R"(mapping "contacts": /picklists: unknown value "labels" (allowed: value, label))"},
    {"picklists not a string", [](json::value& d) { put(d, "", "picklists", true); },
     R"(mapping "contacts": /picklists: expected a string, got boolean true)"},
};

class MalformedMapping : public testing::TestWithParam<malformed_case> {};

TEST_P(MalformedMapping, FailsWithOneClearError) {
  json::value doc = json::parse(base_mapping);
  GetParam().edit(doc);
  try {
    (void)m::parse_mapping(doc.as_object(), "route-1");
    FAIL() << "no error for: " << GetParam().title;
  } catch (const m::mapping_error& e) {
    EXPECT_EQ(std::string_view(e.what()), GetParam().message);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, MalformedMapping, testing::ValuesIn(malformed_cases),
                         [](const testing::TestParamInfo<malformed_case>& param_info) {
                           // "two sources to one target" → "TwoSourcesToOneTarget"
                           std::string name;
                           bool upper = true;
                           for (const char c : param_info.param.title) {
                             if (std::isalnum(static_cast<unsigned char>(c)) == 0) {
                               upper = true;
                               continue;
                             }
                             name += upper ? static_cast<char>(std::toupper(c)) : c;
                             upper = false;
                           }
                           return name;
                         });

TEST(ParseMapping, ErrorIsAnInvalidArgument) {
  // The host reports config errors caught as std::invalid_argument.
  EXPECT_THROW((void)m::parse_mapping(json::object{}, "r"), std::invalid_argument);
}

}  // namespace
