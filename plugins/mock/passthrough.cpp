// mock.passthrough: passes records on, rejecting or dropping every k-th by key ordinal.
#include "passthrough.hpp"

#include "key_ordinal.hpp"
#include "passthrough_config.hpp"

#include <string>
#include <utility>

namespace switchboard::mock {
namespace {

class mock_passthrough final : public sdk::processor {
 public:
  explicit mock_passthrough(passthrough_settings settings) : settings_(settings) {}

  void process(std::vector<sdk::record>& records,
               std::vector<sdk::rejected_record>& rejected) override {
    if (settings_.reject_every == 0 && settings_.drop_every == 0) return;
    std::size_t kept = 0;
    for (auto& rec : records) {
      if (is_every_kth(rec.key, settings_.reject_every)) {
        std::string reason = "mock.passthrough: injected rejection of " + rec.key;
        rejected.push_back({std::move(rec), std::move(reason)});
      } else if (!is_every_kth(rec.key, settings_.drop_every)) {
        if (&records[kept] != &rec) records[kept] = std::move(rec);
        ++kept;
      }
    }
    records.resize(kept);
  }

 private:
  passthrough_settings settings_;
};

}  // namespace

std::unique_ptr<sdk::processor> make_passthrough(const sdk::options& options, sdk::context&) {
  return std::make_unique<mock_passthrough>(parse_passthrough_settings(options));
}

}  // namespace switchboard::mock
