// Rows of Dataverse pages as records.
#include "row_records.hpp"

#include <fmt/format.h>

#include <memory>

namespace switchboard::dynamics365 {
namespace {

namespace json = boost::json;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view text, std::size_t at, std::size_t count, int& out) {
  if (at + count > text.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

bool is_deleted(const json::object& row) {
  if (row.contains("@removed") || row.contains("@odata.removed")) return true;
  const auto* context = row.if_contains("@odata.context");
  return context != nullptr && context->is_string() &&
         context->get_string().ends_with("$deletedEntity");
}

std::string string_or_empty(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_date_time(std::string_view text) {
  // yyyy-mm-ddThh:mm:ss[.fff][Z|±hh:mm]
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(text, 0, 4, year) || text.size() < 19 || text[4] != '-' ||
      !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != ' ') || !digits(text, 11, 2, hour) || text[13] != ':' ||
      !digits(text, 14, 2, minute) || text[16] != ':' || !digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::size_t at = 19;
  std::int64_t micros = 0;
  if (at < text.size() && text[at] == '.') {
    std::int64_t scale = 100000;
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at) {
      micros += (text[at] - '0') * scale;
      scale /= 10;
    }
  }
  std::int64_t offset_seconds = 0;
  if (at < text.size()) {
    if (text[at] == 'Z' && at + 1 == text.size()) {
      // UTC
    } else if ((text[at] == '+' || text[at] == '-') && text.size() == at + 6 &&
               text[at + 3] == ':') {
      int oh = 0, om = 0;
      if (!digits(text, at + 1, 2, oh) || !digits(text, at + 4, 2, om)) return std::nullopt;
      offset_seconds = (oh * 3600 + om * 60) * (text[at] == '-' ? -1 : 1);
    } else {
      return std::nullopt;
    }
  }
  const auto days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const auto seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return std::chrono::system_clock::time_point{
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds{seconds} + std::chrono::microseconds{micros})};
}

std::optional<std::string> to_record(json::object&& row, const std::string& primary_id,
                                     sdk::record& out) {
  out.fields = {};
  out.source_time = {};
  if (is_deleted(row)) {
    out.key = string_or_empty(row, "id");
    if (out.key.empty()) out.key = string_or_empty(row, primary_id);
    if (out.key.empty()) return std::string("a deleted-row entry without an \"id\"");
    out.op = sdk::operation::remove;
    return std::nullopt;
  }
  out.key = string_or_empty(row, primary_id);
  if (out.key.empty()) {
    return fmt::format("a row without its primary id \"{}\"", primary_id);
  }
  out.op = sdk::operation::upsert;
  row.erase("@odata.etag");
  if (const auto* modified = row.if_contains("modifiedon");
      modified != nullptr && modified->is_string()) {
    if (auto t = parse_date_time(modified->get_string())) out.source_time = *t;
  }
  // Move-constructed, not move-assigned: assignment would copy the row into the storage the
  // record's fields had (the heap) instead of taking the row's (the page's).
  std::destroy_at(&out.fields);
  std::construct_at(&out.fields, std::move(row));
  return std::nullopt;
}

std::vector<std::pair<std::string, std::int64_t>> add_labels(json::object& fields,
                                                             const option_labels& labels) {
  std::vector<std::pair<std::string, std::int64_t>> missing;
  for (const auto& [property, options] : labels) {
    const auto* v = fields.if_contains(property);
    if (v == nullptr || v->is_null()) continue;
    std::int64_t value = 0;
    if (v->is_bool()) {
      value = v->get_bool() ? 1 : 0;
    } else if (v->is_int64()) {
      value = v->get_int64();
    } else if (v->is_uint64()) {
      value = static_cast<std::int64_t>(v->get_uint64());
    } else {
      continue;  // a multi-select picklist's "1,2" text or similar: left as it is
    }
    const auto it = options.find(value);
    if (it == options.end()) {
      missing.emplace_back(property, value);
      continue;
    }
    fields[property + std::string(mapping::formatted_value_suffix)] = it->second;
  }
  return missing;
}

}  // namespace switchboard::dynamics365
