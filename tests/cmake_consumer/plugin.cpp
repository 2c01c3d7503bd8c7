// The "consumer" plugin: one processor, consumer.tag, that sets field "tag" on every record.
#include "switchboard/sdk.hpp"

#include <memory>
#include <string>
#include <vector>

namespace {

namespace sdk = switchboard::sdk;

class tag_processor final : public sdk::processor {
 public:
  explicit tag_processor(std::string tag) : tag_(std::move(tag)) {}

  void process(std::vector<sdk::record>& records, std::vector<sdk::rejected_record>&) override {
    for (auto& rec : records) rec.fields["tag"] = tag_;
  }

 private:
  std::string tag_;
};

std::unique_ptr<sdk::processor> make_tag(const sdk::options& options, sdk::context&) {
  return std::make_unique<tag_processor>(std::string(options.string("tag")));
}

void components(std::vector<sdk::component_descriptor>& out) {
  out.push_back(sdk::processor_component("consumer.tag", "Sets field \"tag\" on every record",
                                         {{.name = "tag",
                                           .type = sdk::option_type::string,
                                           .description = "The value of the \"tag\" field",
                                           .default_value = "consumer"}},
                                         &make_tag));
}

}  // namespace

SWITCHBOARD_PLUGIN("consumer", "1.0.0", "Out-of-tree build check: tags records", &components);
