// example.uppercase: upper-cases (ASCII) the configured string fields, counting what it changed.
#include "uppercase.hpp"

namespace switchboard::example {
namespace {

// One instance per route, called from one thread at a time; the context outlives it.
class uppercase final : public sdk::processor {
 public:
  uppercase(uppercase_settings s, sdk::context& ctx) : settings_(std::move(s)), ctx_(ctx) {}

  void process(std::vector<sdk::record>& records, std::vector<sdk::rejected_record>&) override {
    double changed = 0;
    for (auto& rec : records) {
      for (const auto& name : settings_.fields) {
        boost::json::value* value = rec.fields.if_contains(name);
        if (value == nullptr || !value->is_string()) continue;  // absent or not a string
        for (char& c : value->get_string()) {
          if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        }
        ++changed;
      }
    }
    if (changed > 0) ctx_.metrics().add("example_uppercased_total", changed);
  }

 private:
  uppercase_settings settings_;
  sdk::context& ctx_;
};

}  // namespace

std::unique_ptr<sdk::processor> make_uppercase(const sdk::options& options, sdk::context& ctx) {
  uppercase_settings s = parse_uppercase_settings(options);
  ctx.log().info("example.uppercase: upper-casing fields: " + std::to_string(s.fields.size()));
  return std::make_unique<uppercase>(std::move(s), ctx);
}

}  // namespace switchboard::example
