// compiled_mapping: a spec checked against both sides' schemas, every field's steps (label,
// replacements, conversion) chosen once, then applied to each record.
#include "mapping.hpp"
#include "mapping_detail.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace switchboard::mapping {

namespace json = boost::json;

namespace {

enum class label_mode : std::uint8_t {
  none,
  required,    ///< a picklist column by the source schema: the record must carry its label
  if_present,  ///< no source schema: use the label when the record carries one
};

struct compiled_field {
  std::string source;
  std::string target;
  std::string label_key;
  label_mode labels = label_mode::none;
  bool apply_updates = true;
  bool link = false;
  detail::converter conv = detail::converter::pass;
  target_type type = target_type::other;
  std::vector<std::pair<json::value, json::value>> replacements;
};

// Checks and completes the spec against what the source publishes.
class source_check {
 public:
  source_check(mapping_spec& spec, const source_schema& schema) : spec_(spec), schema_(schema) {}

  void run() {
    if (!schema_.table.empty() && schema_.table != spec_.source_table) {
      fail("/source/table", fmt::format("the source schema describes Dataverse table {}, not {}",
                                        schema_.table, spec_.source_table));
    }
    if (spec_.source_key.empty()) {
      if (schema_.primary_key.empty()) {
        fail("/source/key",
             fmt::format("no key given and the schema of Dataverse table {} names no primary key",
                         spec_.source_table));
      }
      spec_.source_key = schema_.primary_key;
    } else {
      column("/source/key", spec_.source_key);
    }
    for (std::size_t i = 0; i < spec_.fields.size(); ++i) {
      const auto& f = spec_.fields[i];
      const auto type = column(fmt::format("/fields/{}/source", i), f.source);
      if (!f.link_route.empty() && type != source_type::lookup) {
        fail(fmt::format("/fields/{}/source", i),
             fmt::format("\"{}\" is a {} column; a link needs a Lookup column", f.source,
                         to_string(type)));
      }
    }
    for (std::size_t i = 0; i < spec_.replacements.size(); ++i) {
      const auto& r = spec_.replacements[i];
      const auto type = schema_.columns.find(r.field)->second;
      value_fits(fmt::format("/replacements/{}/from", i), r.field, type, spec_.picklist_labels,
                 r.from);
    }
    for (std::size_t i = 0; i < spec_.filters.size(); ++i) {
      const auto& f = spec_.filters[i];
      const std::string pointer = fmt::format("/filters/rules/{}", i);
      const auto type = column(pointer + "/field", f.field);
      // Filters compare technical values, also when the mapping writes picklist labels.
      if (f.value.is_array()) {
        const auto& a = f.value.get_array();
        for (std::size_t k = 0; k < a.size(); ++k) {
          value_fits(fmt::format("{}/value/{}", pointer, k), f.field, type, false, a[k]);
        }
      } else {
        value_fits(pointer + "/value", f.field, type, false, f.value);
      }
    }
  }

 private:
  [[noreturn]] void fail(std::string_view pointer, std::string_view reason) const {
    detail::fail(spec_.name, pointer, reason);
  }

  source_type column(std::string_view pointer, const std::string& name) const {
    const auto it = schema_.columns.find(name);
    if (it == schema_.columns.end()) {
      fail(pointer,
           fmt::format("no column \"{}\" in Dataverse table {}", name, spec_.source_table));
    }
    return it->second;
  }

  void value_fits(std::string_view pointer, std::string_view column_name, source_type type,
                  bool labels, const json::value& v) const {
    const auto family = detail::family_of(type, labels);
    if (detail::fits_family(v, family)) return;
    fail(pointer, fmt::format("{} never matches column \"{}\": it is {}{}, whose values are {}",
                              detail::describe(v), column_name, to_string(type),
                              labels && type == source_type::picklist ? " (labels)" : "",
                              detail::plural_name(family)));
  }

  mapping_spec& spec_;
  const source_schema& schema_;
};

// Checks the spec against what the target publishes.
void check_target(const mapping_spec& spec, const target_schema& schema) {
  const auto fail = [&spec](std::string_view pointer, std::string_view reason) {
    detail::fail(spec.name, pointer, reason);
  };
  if (!schema.resource.empty() && schema.resource != spec.target_resource) {
    fail("/target/resource", fmt::format("the target schema describes Campaign resource {}, not {}",
                                         schema.resource, spec.target_resource));
  }
  const auto key = schema.fields.find(spec.target_key);
  if (key == schema.fields.end()) {
    fail("/target/key", fmt::format("no field \"{}\" in Campaign resource {}", spec.target_key,
                                    spec.target_resource));
  }
  if (key->second == target_type::link) {
    fail("/target/key", fmt::format("\"{}\" is a link of Campaign resource {}, not a key field",
                                    spec.target_key, spec.target_resource));
  }
  const auto& unique = schema.unique_fields;
  if (!unique.empty() && std::find(unique.begin(), unique.end(), spec.target_key) == unique.end()) {
    fail("/target/key",
         fmt::format("Campaign key \"{}\" of {} is not unique (identification key fields: {})",
                     spec.target_key, spec.target_resource, fmt::join(unique, ", ")));
  }
  for (std::size_t i = 0; i < spec.fields.size(); ++i) {
    const auto& f = spec.fields[i];
    const auto it = schema.fields.find(f.target);
    if (it == schema.fields.end()) {
      fail(fmt::format("/fields/{}/target", i),
           fmt::format("no field \"{}\" in Campaign resource {}", f.target, spec.target_resource));
    }
    if (!f.link_route.empty() && it->second != target_type::link) {
      fail(fmt::format("/fields/{}/link", i),
           fmt::format("\"{}\" is a {} field of Campaign resource {}, not a link", f.target,
                       to_string(it->second), spec.target_resource));
    }
    if (f.link_route.empty() && it->second == target_type::link) {
      fail(fmt::format("/fields/{}/target", i),
           fmt::format("\"{}\" is a link of Campaign resource {}; set \"link\" to the route whose "
                       "records it points to",
                       f.target, spec.target_resource));
    }
  }
}

// Chooses one field's steps once: label or value, replacements, converter. The spec has passed
// the schema checks, so its names are known to both schemas given.
compiled_field compile_field(const mapping_spec& spec, std::size_t i, const source_schema* source,
                             const target_schema* target) {
  const auto& f = spec.fields[i];
  compiled_field c;
  c.source = f.source;
  c.target = f.target;
  c.apply_updates = f.apply_updates;
  c.link = !f.link_route.empty();

  std::optional<source_type> from;
  if (source != nullptr) from = source->columns.find(f.source)->second;
  if (spec.picklist_labels && !c.link) {
    if (!from) {
      c.labels = label_mode::if_present;
    } else if (*from == source_type::picklist) {
      c.labels = label_mode::required;
    }
    if (c.labels != label_mode::none) c.label_key = f.source + std::string(formatted_value_suffix);
  }

  if (c.link) {
    c.conv = detail::converter::to_link;
    c.type = target_type::link;
  } else if (target != nullptr) {
    c.type = target->fields.find(f.target)->second;
    c.conv = detail::converter_for(c.type);
    if (from && !detail::convertible(*from, c.labels == label_mode::required, c.type)) {
      detail::fail(
          spec.name, fmt::format("/fields/{}", i),
          fmt::format("cannot convert {} column \"{}\"{} to {} field \"{}\"", to_string(*from),
                      f.source, c.labels == label_mode::required ? " (labels)" : "",
                      to_string(c.type), f.target));
    }
  }

  for (std::size_t k = 0; k < spec.replacements.size(); ++k) {
    const auto& r = spec.replacements[k];
    if (r.field != f.source) continue;
    if (!r.to.is_null() && !detail::convert(c.conv, r.to)) {
      detail::fail(spec.name, fmt::format("/replacements/{}/to", k),
                   fmt::format("cannot convert {} to {} (target field \"{}\")",
                               detail::describe(r.to), to_string(c.type), f.target));
    }
    c.replacements.emplace_back(r.from, r.to);
  }
  return c;
}

}  // namespace

struct compiled_mapping::impl {
  mapping_spec spec;
  std::vector<compiled_field> fields;
  detail::compiled_filter filter;
};

compiled_mapping::compiled_mapping(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
compiled_mapping::compiled_mapping(compiled_mapping&&) noexcept = default;
compiled_mapping& compiled_mapping::operator=(compiled_mapping&&) noexcept = default;
compiled_mapping::~compiled_mapping() = default;

const mapping_spec& compiled_mapping::spec() const noexcept { return impl_->spec; }

compiled_mapping compiled_mapping::compile(mapping_spec spec, const source_schema* source,
                                           const target_schema* target) {
  detail::check_spec(spec);
  if (source != nullptr) source_check(spec, *source).run();
  if (target != nullptr) check_target(spec, *target);

  auto p = std::make_unique<impl>();
  p->fields.reserve(spec.fields.size());
  for (std::size_t i = 0; i < spec.fields.size(); ++i) {
    p->fields.push_back(compile_field(spec, i, source, target));
  }
  p->filter = detail::compiled_filter(spec);
  p->spec = std::move(spec);
  return compiled_mapping(std::move(p));
}

bool compiled_mapping::passes(const json::object& source_fields) const {
  return impl_->filter.passes(source_fields);
}

namespace {

[[noreturn]] void value_fail(const mapping_spec& spec, const compiled_field& f,
                             std::string_view reason) {
  throw value_error(fmt::format("mapping \"{}\": field \"{}\" → \"{}\": {}", spec.name, f.source,
                                f.target, reason));
}

json::value field_value(const mapping_spec& spec, const compiled_field& f,
                        const json::object& source_fields) {
  const json::value none;  // a missing field reads as null
  const auto* found = source_fields.if_contains(f.source);
  const json::value* v = found != nullptr ? found : &none;
  if (f.labels != label_mode::none && !v->is_null()) {
    const auto* label = source_fields.if_contains(f.label_key);
    if (label != nullptr && label->is_string()) {
      v = label;
    } else if (f.labels == label_mode::required) {
      value_fail(spec, f,
                 fmt::format("no label for value {} (the record has no string \"{}\")",
                             detail::describe(*v), f.label_key));
    }
  }
  for (const auto& [from, to] : f.replacements) {
    if (detail::same_value(*v, from)) {
      v = &to;
      break;
    }
  }
  if (v->is_null()) return nullptr;
  if (f.link && v->is_string()) {
    value_fail(spec, f,
               fmt::format("link not resolved: {} is still a source id (expected the target "
                           "record reference, {{\"PKey\": …}})",
                           detail::describe(*v)));
  }
  auto converted = detail::convert(f.conv, *v);
  if (!converted) {
    value_fail(spec, f,
               fmt::format("cannot convert {} to {}", detail::describe(*v), to_string(f.type)));
  }
  return std::move(*converted);
}

}  // namespace

target_payload compiled_mapping::build(const json::object& source_fields, std::string_view key,
                                       json::storage_ptr storage) const {
  const auto& spec = impl_->spec;
  target_payload out{json::object(storage), json::object(storage)};
  out.create.reserve(impl_->fields.size() + 1);
  out.update.reserve(impl_->fields.size());
  out.create[spec.target_key] = key;
  for (const auto& f : impl_->fields) {
    json::value v(field_value(spec, f, source_fields), storage);
    if (f.apply_updates) out.update[f.target] = v;
    out.create[f.target] = std::move(v);
  }
  return out;
}

}  // namespace switchboard::mapping
