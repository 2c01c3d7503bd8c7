// Parses configuration JSON (comments, trailing commas) with line:column syntax errors and
// rejects duplicate keys.
#include "file_util.hpp"
#include "json_reader.hpp"
#include "switchboard/host/config.hpp"

#include <fmt/format.h>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/parse.hpp>

#include <set>
#include <utility>

namespace switchboard::host {
namespace {

namespace json = boost::json;

/// basic_parser handler that only tracks the path to the current value and throws a
/// config_error at the first key repeated within one object.
class duplicate_key_checker {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  explicit duplicate_key_checker(const std::string& file) : file_(&file) {}

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code&) { return begin_container(true); }
  bool on_array_end(std::size_t, json::error_code&) { return end_container(); }
  bool on_object_begin(json::error_code&) { return begin_container(false); }
  bool on_object_end(std::size_t, json::error_code&) { return end_container(); }
  bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, json::error_code&) { return end_value(); }
  bool on_key_part(json::string_view part, std::size_t, json::error_code&) {
    key_.append(part.data(), part.size());
    return true;
  }
  bool on_key(json::string_view part, std::size_t, json::error_code&) {
    key_.append(part.data(), part.size());
    add_key();
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code&) { return end_value(); }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return end_value(); }
  bool on_double(double, json::string_view, json::error_code&) { return end_value(); }
  bool on_bool(bool, json::error_code&) { return end_value(); }
  bool on_null(json::error_code&) { return end_value(); }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  struct frame {
    bool is_array = false;
    std::size_t index = 0;
    std::string key;
    std::set<std::string, std::less<>> keys;
  };

  bool begin_container(bool is_array) {
    frames_.push_back(frame{is_array, 0, {}, {}});
    return true;
  }
  bool end_container() {
    frames_.pop_back();
    return end_value();
  }
  bool end_value() {
    if (!frames_.empty() && frames_.back().is_array) ++frames_.back().index;
    return true;
  }
  void add_key() {
    auto& top = frames_.back();
    if (!top.keys.insert(key_).second) {
      throw config_error(*file_, pointer_to_key(), "duplicate key " + config_detail::quote(key_));
    }
    top.key = std::move(key_);
    key_.clear();
  }
  std::string pointer_to_key() const {
    std::string pointer;
    for (std::size_t i = 0; i + 1 < frames_.size(); ++i) {
      const auto& f = frames_[i];
      pointer +=
          "/" + (f.is_array ? std::to_string(f.index) : config_detail::escape_pointer_token(f.key));
    }
    return pointer + "/" + config_detail::escape_pointer_token(key_);
  }

  const std::string* file_;
  std::vector<frame> frames_;
  std::string key_;
};

json::parse_options config_parse_options() {
  json::parse_options options;
  options.allow_comments = true;
  options.allow_trailing_commas = true;
  return options;
}

std::string syntax_reason(const json::error_code& error) {
  if (error == json::error::incomplete) return "unexpected end of input";
  if (error == json::error::extra_data) return "unexpected content after the document";
  std::string reason = error.message();
  for (auto& c : reason) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return reason;
}

[[noreturn]] void throw_syntax_error(std::string_view text, std::size_t offset,
                                     const std::string& file, const json::error_code& error) {
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  throw config_error(file, line, offset - line_start + 1, syntax_reason(error));
}

void check_syntax_and_keys(std::string_view text, const std::string& file) {
  json::basic_parser<duplicate_key_checker> parser(config_parse_options(), file);
  json::error_code error;
  const std::size_t consumed = parser.write_some(false, text.data(), text.size(), error);
  if (!error && consumed < text.size()) error = json::error::extra_data;
  if (error) throw_syntax_error(text, consumed, file, error);
}

}  // namespace

json::value parse_config_json(std::string_view text, const std::string& file) {
  check_syntax_and_keys(text, file);
  json::error_code error;
  auto value = json::parse(json::string_view(text.data(), text.size()), error, json::storage_ptr(),
                           config_parse_options());
  if (error) throw_syntax_error(text, text.size(), file, error);
  return value;
}

json::value read_config_file(const std::filesystem::path& file) {
  const std::string name = config_detail::absolute_path(file).string();
  std::string reason;
  const auto text = config_detail::read_text_file(name, reason);
  if (!text) throw config_error(name, "", "cannot read file: " + reason);
  return parse_config_json(*text, name);
}

}  // namespace switchboard::host
