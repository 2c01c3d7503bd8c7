// Campaign Standard resource definitions: the built-in profile (nms:recipient), custom resources
// with their keys, links and filters, opaque PKeys, and the resourceType metadata documents.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::sandbox::campaign {

enum class field_type : std::uint8_t {
  string,
  memo,
  boolean,
  integer,
  number,
  date,
  datetime,
  enumeration
};

struct enum_value {
  std::string name;  ///< what the API reads and writes
  std::string label;
  int value = 0;
};

struct field_def {
  std::string name;  ///< canonical apiName; opt-outs are stored under their blackList… names
  field_type type = field_type::string;
  std::size_t length = 0;  ///< strings: longer values are truncated; 0 = unlimited
  std::string label;
  bool read_only = false;
  bool sortable = false;
  bool extension = false;  ///< a profile extension: visible on profileAndServicesExt only
  std::string data_policy;
  std::string category;
  std::vector<enum_value> values;  ///< enumerations
};

/// A link to one record of another resource ("profile" or "cus…"): written {"PKey": "@…"},
/// read {"href": "…"}.
struct link_def {
  std::string name;
  std::string target;
  std::string label;
};

/// One filter parameter: "<name>=<value>" in the query compares `field` (a field or a link).
struct filter_param {
  std::string name;
  std::string field;
};

struct filter_def {
  std::string name;  ///< "byEmail", "byCrmId", …
  std::string label;
  std::vector<filter_param> parameters;
  bool extension = true;  ///< custom filters are published on the Ext API only
};

struct resource_def {
  std::string name;    ///< "profile" or "cus…"
  std::string api;     ///< custom: "profileAndServicesExt" or "customResources"
  std::string schema;  ///< e.g. "nms:recipient", "cus:vehicle"
  std::string label;
  std::vector<field_def> fields;
  std::vector<link_def> links;
  std::vector<filter_def> filters;
  std::vector<std::string> key;  ///< identification key fields: unique together once all are set

  const field_def* field(std::string_view name) const noexcept;
  const link_def* link(std::string_view name) const noexcept;
  const filter_def* filter(std::string_view name) const noexcept;
  bool is_profile() const noexcept { return name == "profile"; }
};

/// The profile resource with its documented out-of-the-box fields and the byEmail and byText
/// filters.
resource_def profile_resource();

/// The name an opt-out field has on the wire under `prefix` ("blackList" or "denyList");
/// other fields keep their name.
std::string exposed_name(std::string_view canonical, std::string_view prefix);
/// The canonical name of a wire name under `prefix`, or "" when the name is an opt-out
/// spelled with the other prefix.
std::string canonical_name(std::string_view exposed, std::string_view prefix);

/// Reads a custom resource definition (control "define_resource"):
/// {"name":"cusVehicle","api":"profileAndServicesExt"|"customResources","label":…,
///  "fields":[{"name","type","length","label","sortable"}],"links":[{"name","target"}],
///  "key":["cusVin"],"filters":[{"name":"byVin","parameters":[{"name","field"}]|["cusVin"]}]}.
/// Throws std::invalid_argument.
resource_def parse_resource(const boost::json::object& o);
/// Reads "fields" of a control body (type names: string, memo, boolean, integer, number, date,
/// datetime). Throws std::invalid_argument.
std::vector<field_def> parse_fields(const boost::json::object& o);
/// Reads "filters" of a control body; a parameter given as a field name is named
/// "<field>_parameter". Throws std::invalid_argument.
std::vector<filter_def> parse_filters(const boost::json::object& o);

/// Opaque "@…" keys that decode back to a number only for the same kind and seed.
class pkey_codec {
 public:
  explicit pkey_codec(std::uint64_t seed) noexcept : seed_(seed) {}
  std::string encode(std::string_view kind, std::uint64_t id) const;
  std::optional<std::uint64_t> decode(std::string_view kind, std::string_view pkey) const;

 private:
  std::uint64_t seed_;
};

/// What the metadata documents need to know about the request.
struct metadata_view {
  std::string base;  ///< "https://host/<org>/campaign"
  std::string api;   ///< the API the request used
  std::string opt_out_prefix;
  bool extended = false;  ///< profileAndServicesExt: extension fields and custom filters
  std::string type_pkey;  ///< the resource type's PKey (filters href)
};

/// GET <api>/resourceType/<resource> (and <api>/<resource>/metadata).
boost::json::object resource_metadata(const resource_def& def, const metadata_view& view);
/// GET <api>/resourceType/<PKEY>/filters/.
boost::json::object filters_metadata(const resource_def& def, const metadata_view& view,
                                     const pkey_codec& codec);

}  // namespace switchboard::sandbox::campaign
