// Parsing a route's "mapping" object into a mapping_spec: JSON shape (keys, types, required
// members, operator names), then the rules every spec must follow (check_spec).
#include "mapping.hpp"
#include "mapping_detail.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <utility>

namespace switchboard::mapping {

namespace json = boost::json;

namespace {

constexpr std::string_view filter_op_names[] = {
    "eq",       "ne",         "gt",       "ge", "lt",      "le",
    "contains", "startswith", "endswith", "in", "is-null", "not-null",
};

std::optional<filter_op> filter_op_from(std::string_view name) noexcept {
  for (std::size_t i = 0; i < std::size(filter_op_names); ++i) {
    if (filter_op_names[i] == name) return static_cast<filter_op>(i);
  }
  return std::nullopt;
}

std::string child(std::string_view pointer, std::string_view key) {
  return fmt::format("{}/{}", pointer, detail::pointer_token(key));
}

std::string child(std::string_view pointer, std::size_t index) {
  return fmt::format("{}/{}", pointer, index);
}

// Reads the JSON shape of one mapping object; every failure names the mapping and the pointer.
class mapping_reader {
 public:
  explicit mapping_reader(std::string name) : name_(std::move(name)) {}

  const std::string& name() const noexcept { return name_; }

  [[noreturn]] void fail(std::string_view pointer, std::string_view reason) const {
    detail::fail(name_, pointer, reason);
  }

  [[noreturn]] void wrong_type(std::string_view pointer, std::string_view expected,
                               const json::value& got) const {
    fail(pointer, fmt::format("expected {}, got {}", expected, detail::kind_and_value(got)));
  }

  void allow_keys(const json::object& o, std::string_view pointer,
                  std::initializer_list<std::string_view> allowed) const {
    for (const auto& kv : o) {
      const std::string_view key = kv.key();
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      fail(child(pointer, key),
           fmt::format("unknown key \"{}\" (allowed: {})", key, fmt::join(allowed, ", ")));
    }
  }

  const json::value* member(const json::object& o, std::string_view pointer, std::string_view key,
                            bool required) const {
    const auto* v = o.if_contains(key);
    if (v == nullptr && required) {
      fail(pointer, fmt::format("required key \"{}\" is missing", key));
    }
    return v;
  }

  const json::object& object(const json::value& v, std::string_view pointer) const {
    if (!v.is_object()) wrong_type(pointer, "an object", v);
    return v.get_object();
  }

  const json::array& array(const json::value& v, std::string_view pointer) const {
    if (!v.is_array()) wrong_type(pointer, "an array", v);
    return v.get_array();
  }

  std::optional<std::string> string(const json::object& o, std::string_view pointer,
                                    std::string_view key, bool required) const {
    const auto* v = member(o, pointer, key, required);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) wrong_type(child(pointer, key), "a string", *v);
    return std::string(v->get_string());
  }

  std::optional<bool> boolean(const json::object& o, std::string_view pointer,
                              std::string_view key) const {
    const auto* v = member(o, pointer, key, false);
    if (v == nullptr) return std::nullopt;
    if (!v->is_bool()) wrong_type(child(pointer, key), "a boolean", *v);
    return v->get_bool();
  }

  field_spec field(const json::value& v, std::string_view pointer) const {
    const auto& o = object(v, pointer);
    allow_keys(o, pointer, {"source", "target", "apply_updates", "link"});
    field_spec f;
    f.source = *string(o, pointer, "source", true);
    f.target = *string(o, pointer, "target", true);
    if (auto b = boolean(o, pointer, "apply_updates")) f.apply_updates = *b;
    if (auto link = string(o, pointer, "link", false)) {
      if (link->empty()) {
        fail(child(pointer, "link"), "must name the route whose records the link points to");
      }
      f.link_route = std::move(*link);
    }
    return f;
  }

  replacement_spec replacement(const json::value& v, std::string_view pointer) const {
    const auto& o = object(v, pointer);
    allow_keys(o, pointer, {"field", "from", "to"});
    replacement_spec r;
    r.field = *string(o, pointer, "field", true);
    r.from = *member(o, pointer, "from", true);
    r.to = *member(o, pointer, "to", true);
    return r;
  }

  filter_spec rule(const json::value& v, std::string_view pointer) const {
    const auto& o = object(v, pointer);
    allow_keys(o, pointer, {"field", "op", "value"});
    filter_spec f;
    f.field = *string(o, pointer, "field", true);
    const std::string op_name = *string(o, pointer, "op", true);
    const auto op = filter_op_from(op_name);
    if (!op) {
      fail(child(pointer, "op"), fmt::format("unknown operator \"{}\" (allowed: {})", op_name,
                                             fmt::join(filter_op_names, ", ")));
    }
    f.op = *op;
    const bool takes_value = f.op != filter_op::is_null && f.op != filter_op::not_null;
    const auto* value = o.if_contains("value");
    if (takes_value && value == nullptr) {
      fail(pointer, fmt::format("required key \"value\" is missing (operator \"{}\" compares "
                                "with a value)",
                                op_name));
    }
    if (!takes_value && value != nullptr) {
      fail(child(pointer, "value"), fmt::format("operator \"{}\" takes no value", op_name));
    }
    if (value != nullptr) f.value = *value;
    return f;
  }

  void filters(const json::value& v, mapping_spec& spec) const {
    const auto& o = object(v, "/filters");
    allow_keys(o, "/filters", {"combine", "rules", "delete_filtered_out"});
    if (auto combine = string(o, "/filters", "combine", false)) {
      if (*combine == "and") {
        spec.combine = filter_combine::all;
      } else if (*combine == "or") {
        spec.combine = filter_combine::any;
      } else {
        fail("/filters/combine", fmt::format("unknown value \"{}\" (allowed: and, or)", *combine));
      }
    }
    if (const auto* rules = member(o, "/filters", "rules", false)) {
      const auto& a = array(*rules, "/filters/rules");
      for (std::size_t i = 0; i < a.size(); ++i) {
        spec.filters.push_back(rule(a[i], child("/filters/rules", i)));
      }
    }
    if (auto b = boolean(o, "/filters", "delete_filtered_out")) spec.delete_filtered_out = *b;
  }

 private:
  std::string name_;
};

}  // namespace

mapping_spec parse_mapping(const json::object& json, std::string_view default_name) {
  mapping_spec spec;
  spec.name = std::string(default_name);
  if (const auto* name = json.if_contains("name")) {
    const mapping_reader r(spec.name);
    if (!name->is_string()) r.wrong_type("/name", "a string", *name);
    if (name->get_string().empty()) r.fail("/name", "must not be empty");
    spec.name = std::string(name->get_string());
  }
  const mapping_reader r(spec.name);
  r.allow_keys(json, "",
               {"name", "source", "target", "fields", "replacements", "filters", "apply_deletes",
                "picklists"});

  const auto& source = r.object(*r.member(json, "", "source", true), "/source");
  r.allow_keys(source, "/source", {"table", "key"});
  spec.source_table = *r.string(source, "/source", "table", true);
  if (auto key = r.string(source, "/source", "key", false)) spec.source_key = std::move(*key);

  const auto& target = r.object(*r.member(json, "", "target", true), "/target");
  r.allow_keys(target, "/target", {"resource", "key"});
  spec.target_resource = *r.string(target, "/target", "resource", true);
  spec.target_key = *r.string(target, "/target", "key", true);

  const auto& fields = r.array(*r.member(json, "", "fields", true), "/fields");
  for (std::size_t i = 0; i < fields.size(); ++i) {
    spec.fields.push_back(r.field(fields[i], child("/fields", i)));
  }

  if (const auto* replacements = r.member(json, "", "replacements", false)) {
    const auto& a = r.array(*replacements, "/replacements");
    for (std::size_t i = 0; i < a.size(); ++i) {
      spec.replacements.push_back(r.replacement(a[i], child("/replacements", i)));
    }
  }
  if (const auto* filters = r.member(json, "", "filters", false)) r.filters(*filters, spec);
  if (auto b = r.boolean(json, "", "apply_deletes")) spec.apply_deletes = *b;
  if (auto picklists = r.string(json, "", "picklists", false)) {
    if (*picklists == "label") {
      spec.picklist_labels = true;
    } else if (*picklists != "value") {
      r.fail("/picklists", fmt::format("unknown value \"{}\" (allowed: value, label)", *picklists));
    }
  }

  detail::check_spec(spec);
  return spec;
}

std::vector<std::string> mapping_spec::source_columns() const {
  std::vector<std::string> columns;
  columns.reserve(1 + fields.size() + filters.size());
  const auto add = [&columns](const std::string& c) {
    if (c.empty() || std::find(columns.begin(), columns.end(), c) != columns.end()) return;
    columns.push_back(c);
  };
  add(source_key);
  for (const auto& f : fields) add(f.source);
  for (const auto& f : filters) add(f.field);
  return columns;
}

bool mapping_spec::has_links() const noexcept {
  return std::any_of(fields.begin(), fields.end(),
                     [](const field_spec& f) { return !f.link_route.empty(); });
}

}  // namespace switchboard::mapping
