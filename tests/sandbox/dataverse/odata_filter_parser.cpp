// OData $filter for the Dataverse emulator: the lexer and the recursive-descent parser.
#include "sandbox/dataverse/odata_filter.hpp"

#include "sandbox/dataverse/cell_values.hpp"
#include "sandbox/dataverse/odata_errors.hpp"

#include <boost/json.hpp>

#include <cerrno>
#include <cstdlib>
#include <optional>

namespace switchboard::sandbox::dataverse {
namespace {

namespace json = boost::json;

constexpr std::string_view crm_prefix = "Microsoft.Dynamics.CRM.";

struct token {
  enum class kind { identifier, literal, open, close, comma, open_list, close_list, equals, end };
  kind type = kind::end;
  std::string text;
  filter_literal literal;
  std::size_t position = 0;
};

bool ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '/'; }
bool digit(char c) { return c >= '0' && c <= '9'; }

[[noreturn]] void syntax_error(std::size_t position, std::string_view text) {
  fail(query_error("Syntax error at position " + std::to_string(position) + " in '" +
                   std::string(text) + "'."));
}

class lexer {
 public:
  explicit lexer(std::string_view text) : text_(text) {}

  std::vector<token> run() {
    std::vector<token> out;
    for (;;) {
      while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
      token t;
      t.position = pos_;
      if (pos_ >= text_.size()) {
        out.push_back(std::move(t));
        return out;
      }
      const char c = text_[pos_];
      if (c == '(' || c == ')' || c == ',' || c == '[' || c == ']' || c == '=') {
        t.type = c == '('   ? token::kind::open
                 : c == ')' ? token::kind::close
                 : c == ',' ? token::kind::comma
                 : c == '[' ? token::kind::open_list
                 : c == ']' ? token::kind::close_list
                            : token::kind::equals;
        ++pos_;
      } else if (c == '\'' || c == '"') {
        t.type = token::kind::literal;
        t.literal = {literal_kind::string, json::string(quoted(c)), ""};
      } else if (auto guid = guid_literal()) {
        t.type = token::kind::literal;
        t.literal = std::move(*guid);
      } else if (digit(c) || (c == '-' && pos_ + 1 < text_.size() && digit(text_[pos_ + 1]))) {
        t.type = token::kind::literal;
        t.literal = number_or_date();
      } else if (ident_start(c)) {
        const auto start = pos_;
        while (pos_ < text_.size() && ident_char(text_[pos_])) ++pos_;
        t.text = std::string(text_.substr(start, pos_ - start));
        if (pos_ < text_.size() && text_[pos_] == '\'') {
          t.type = token::kind::literal;
          if (t.text.find('.') == std::string::npos) syntax_error(start, text_);
          t.literal = {literal_kind::enumeration, json::string(quoted('\'')), t.text};
        } else if (t.text == "true" || t.text == "false") {
          t.type = token::kind::literal;
          t.literal = {literal_kind::boolean, t.text == "true", ""};
        } else if (t.text == "null") {
          t.type = token::kind::literal;
          t.literal = {literal_kind::null, nullptr, ""};
        } else {
          t.type = token::kind::identifier;
        }
      } else {
        syntax_error(pos_, text_);
      }
      out.push_back(std::move(t));
    }
  }

 private:
  std::string quoted(char quote) {
    const auto start = pos_;
    ++pos_;
    std::string value;
    for (;;) {
      if (pos_ >= text_.size()) syntax_error(start, text_);
      const char c = text_[pos_++];
      if (c != quote) {
        value += c;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == quote) {
        value += quote;
        ++pos_;
        continue;
      }
      return value;
    }
  }

  std::optional<filter_literal> guid_literal() {
    if (pos_ + 36 > text_.size()) return std::nullopt;
    const auto candidate = text_.substr(pos_, 36);
    if (!is_guid(candidate)) return std::nullopt;
    if (pos_ + 36 < text_.size() && ident_char(text_[pos_ + 36])) return std::nullopt;
    pos_ += 36;
    return filter_literal{literal_kind::guid, json::string(normalize_guid(candidate)), ""};
  }

  filter_literal number_or_date() {
    const auto start = pos_;
    const auto rest = text_.substr(pos_);
    if (rest.size() >= 10 && digit(rest[0]) && digit(rest[3]) && rest[4] == '-' && rest[7] == '-') {
      std::size_t end = 10;
      if (end < rest.size() && rest[end] == 'T') {
        ++end;
        while (end < rest.size() && (digit(rest[end]) || rest[end] == ':' || rest[end] == '.'))
          ++end;
        if (end < rest.size() && rest[end] == 'Z') {
          ++end;
        } else if (end + 6 <= rest.size() && (rest[end] == '+' || rest[end] == '-') &&
                   rest[end + 3] == ':') {
          end += 6;
        }
      }
      const auto text = rest.substr(0, end);
      if (!parse_iso_time(text)) syntax_error(start, text_);
      pos_ += end;
      return {end == 10 ? literal_kind::date : literal_kind::date_time, json::string(text), ""};
    }
    std::size_t end = rest[0] == '-' ? 1 : 0;
    bool fractional = false;
    while (end < rest.size() && digit(rest[end])) ++end;
    if (end < rest.size() && rest[end] == '.') {
      fractional = true;
      ++end;
      while (end < rest.size() && digit(rest[end])) ++end;
    }
    if (end < rest.size() && (rest[end] == 'e' || rest[end] == 'E')) {
      fractional = true;
      ++end;
      if (end < rest.size() && (rest[end] == '+' || rest[end] == '-')) ++end;
      while (end < rest.size() && digit(rest[end])) ++end;
    }
    const std::string number(rest.substr(0, end));
    if (end < rest.size() && std::string_view("mMdDfFlL").find(rest[end]) != std::string::npos) {
      ++end;
    }
    if (end < rest.size() && ident_char(rest[end])) syntax_error(start, text_);
    pos_ += end;
    if (!fractional) {
      errno = 0;
      const long long value = std::strtoll(number.c_str(), nullptr, 10);
      if (errno == 0) return {literal_kind::integer, static_cast<std::int64_t>(value), ""};
    }
    return {literal_kind::decimal, std::strtod(number.c_str(), nullptr), ""};
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

bool is_keyword(std::string_view word) {
  return word == "and" || word == "or" || word == "not" || word == "eq" || word == "ne" ||
         word == "gt" || word == "ge" || word == "lt" || word == "le";
}

std::optional<filter_op> comparison(std::string_view word) {
  if (word == "eq") return filter_op::eq;
  if (word == "ne") return filter_op::ne;
  if (word == "gt") return filter_op::gt;
  if (word == "ge") return filter_op::ge;
  if (word == "lt") return filter_op::lt;
  if (word == "le") return filter_op::le;
  return std::nullopt;
}

class parser {
 public:
  parser(std::string_view text, std::vector<token> tokens)
      : text_(text), tokens_(std::move(tokens)) {}

  std::unique_ptr<filter_node> run() {
    if (peek().type == token::kind::end) {
      fail(query_error("Expression expected at position 0 in '" + std::string(text_) + "'."));
    }
    auto node = parse_or();
    if (peek().type != token::kind::end) syntax_error(peek().position, text_);
    return node;
  }

 private:
  const token& peek(std::size_t ahead = 0) const {
    return tokens_[std::min(at_ + ahead, tokens_.size() - 1)];
  }
  const token& take() { return tokens_[std::min(at_++, tokens_.size() - 1)]; }
  bool word(std::string_view w) const {
    return peek().type == token::kind::identifier && peek().text == w;
  }
  void expect(token::kind kind) {
    if (peek().type != kind) syntax_error(peek().position, text_);
    ++at_;
  }

  std::unique_ptr<filter_node> combine(filter_node::kind kind, std::unique_ptr<filter_node> left,
                                       std::unique_ptr<filter_node> right) {
    auto node = std::make_unique<filter_node>();
    node->type = kind;
    node->children.push_back(std::move(left));
    node->children.push_back(std::move(right));
    return node;
  }

  std::unique_ptr<filter_node> parse_or() {
    auto left = parse_and();
    while (word("or")) {
      ++at_;
      left = combine(filter_node::kind::logical_or, std::move(left), parse_and());
    }
    return left;
  }

  std::unique_ptr<filter_node> parse_and() {
    auto left = parse_unary();
    while (word("and")) {
      ++at_;
      left = combine(filter_node::kind::logical_and, std::move(left), parse_unary());
    }
    return left;
  }

  std::unique_ptr<filter_node> parse_unary() {
    if (!word("not")) return parse_primary();
    ++at_;
    auto node = std::make_unique<filter_node>();
    node->type = filter_node::kind::logical_not;
    node->children.push_back(parse_unary());
    return node;
  }

  std::unique_ptr<filter_node> parse_primary() {
    if (peek().type == token::kind::open) {
      ++at_;
      auto node = parse_or();
      expect(token::kind::close);
      return node;
    }
    if (peek().type == token::kind::identifier && peek(1).type == token::kind::open) {
      return parse_call();
    }
    auto node = std::make_unique<filter_node>();
    node->type = filter_node::kind::compare;
    node->operands.push_back(parse_operand());
    const auto& op = peek();
    const auto kind = op.type == token::kind::identifier ? comparison(op.text) : std::nullopt;
    if (!kind) syntax_error(op.position, text_);
    ++at_;
    node->op = *kind;
    node->operands.push_back(parse_operand());
    return node;
  }

  filter_operand parse_operand() {
    const auto& t = take();
    filter_operand operand;
    if (t.type == token::kind::literal) {
      operand.type = filter_operand::kind::literal;
      operand.literal = t.literal;
      return operand;
    }
    if (t.type == token::kind::identifier && !is_keyword(t.text)) {
      operand.type = filter_operand::kind::property;
      operand.property = t.text;
      return operand;
    }
    syntax_error(t.position, text_);
  }

  filter_operand parse_argument() {
    if (peek().type == token::kind::identifier && peek(1).type == token::kind::equals) {
      const std::string name = take().text;
      ++at_;
      filter_operand operand;
      if (peek().type == token::kind::open_list) {
        ++at_;
        operand.type = filter_operand::kind::list;
        while (peek().type != token::kind::close_list) {
          const auto& item = take();
          if (item.type != token::kind::literal) syntax_error(item.position, text_);
          operand.list.push_back(item.literal);
          if (peek().type == token::kind::comma) ++at_;
        }
        ++at_;
      } else {
        operand = parse_operand();
      }
      operand.name = name;
      return operand;
    }
    return parse_operand();
  }

  std::unique_ptr<filter_node> parse_call() {
    auto node = std::make_unique<filter_node>();
    node->type = filter_node::kind::call;
    node->function = take().text;
    expect(token::kind::open);
    while (peek().type != token::kind::close) {
      node->operands.push_back(parse_argument());
      if (peek().type == token::kind::comma) {
        ++at_;
      } else if (peek().type != token::kind::close) {
        syntax_error(peek().position, text_);
      }
    }
    ++at_;
    const auto& f = node->function;
    const bool string_function = f == "contains" || f == "startswith" || f == "endswith";
    const bool crm_function = f.rfind(crm_prefix, 0) == 0;
    if (!string_function && !crm_function) {
      fail(query_error("An unknown function with name '" + f +
                       "' was found. This may also be a function import or a key lookup on a "
                       "navigation property, which is not allowed."));
    }
    if (string_function && node->operands.size() != 2) syntax_error(peek().position, text_);
    return node;
  }

  std::string_view text_;
  std::vector<token> tokens_;
  std::size_t at_ = 0;
};

}  // namespace

std::unique_ptr<filter_node> parse_filter(std::string_view text) {
  return parser(text, lexer(text).run()).run();
}

}  // namespace switchboard::sandbox::dataverse
