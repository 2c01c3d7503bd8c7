// OData $filter for the Dataverse emulator: parsing, binding to a table, and evaluation.
#pragma once

#include "sandbox/dataverse/table_store.hpp"

#include <boost/json/value.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::sandbox::dataverse {

enum class literal_kind {
  null,
  boolean,
  integer,
  decimal,
  string,
  date_time,
  date,
  guid,
  enumeration
};

struct filter_literal {
  literal_kind kind = literal_kind::null;
  boost::json::value value;  ///< string, number or bool (dates and GUIDs as their text)
  std::string type_name;     ///< enumeration literals: the enum type
};

/// A property path (bound to a column ordinal on tables), a literal, or a literal list.
struct filter_operand {
  enum class kind { property, literal, list };
  kind type = kind::literal;
  std::string property;
  int column = -1;
  filter_literal literal;
  std::vector<filter_literal> list;
  std::string name;  ///< named argument (Microsoft.Dynamics.CRM functions): "PropertyName", …
};

enum class filter_op { eq, ne, gt, ge, lt, le };

struct filter_node {
  enum class kind { logical_and, logical_or, logical_not, compare, call };
  kind type = kind::compare;
  filter_op op = filter_op::eq;
  std::string function;  ///< call: "contains", "Microsoft.Dynamics.CRM.In", …
  std::vector<filter_operand> operands;
  std::vector<std::unique_ptr<filter_node>> children;
  int column = -1;  ///< Microsoft.Dynamics.CRM functions: the bound PropertyName column
};

/// Parses a $filter expression: eq ne gt ge lt le, and or not, parentheses, contains /
/// startswith / endswith, Microsoft.Dynamics.CRM.{In,NotIn,Null,NotNull,Between,NotBetween};
/// literals: 'text' (quotes doubled), numbers, true/false/null, dates, date-times, GUIDs,
/// Namespace.Enum'Value'. Throws odata_exception 400 (0x80060888) on a syntax error.
std::unique_ptr<filter_node> parse_filter(std::string_view text);

/// Resolves properties against a table's columns and checks operand types; throws
/// odata_exception 400 like the service (unknown property, incompatible operand types).
void bind_filter(filter_node& node, const table_store& table);

/// What a filter reads its property values from.
class filter_subject {
 public:
  virtual ~filter_subject() = default;
  /// The wire value of a property operand (null when absent).
  virtual boost::json::value value(const filter_operand& property) const = 0;
  /// The wire value of a column named by a Microsoft.Dynamics.CRM function.
  virtual boost::json::value named(const filter_node& call, std::string_view name) const = 0;
};

/// A bound filter over a table row.
class row_subject final : public filter_subject {
 public:
  row_subject(const table_store& table, const row& value) : table_(table), row_(value) {}
  boost::json::value value(const filter_operand& property) const override;
  boost::json::value named(const filter_node& call, std::string_view name) const override;

 private:
  const table_store& table_;
  const row& row_;
};

/// A filter over a JSON object (metadata): paths like "CanCreateAttributes/Value".
class json_subject final : public filter_subject {
 public:
  explicit json_subject(const boost::json::object& object) : object_(object) {}
  boost::json::value value(const filter_operand& property) const override;
  boost::json::value named(const filter_node& call, std::string_view name) const override;

 private:
  const boost::json::object& object_;
};

bool evaluate(const filter_node& node, const filter_subject& subject);

}  // namespace switchboard::sandbox::dataverse
