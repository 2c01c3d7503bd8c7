// Plugin loading with Boost.DLL: every check on the descriptor happens before plugin code runs.
#include "switchboard/host/plugin_loader.hpp"

#include <fmt/format.h>
#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

#include <algorithm>
#include <cstring>
#include <set>

namespace switchboard::host {
namespace dll = boost::dll;
namespace {

bool is_dotted_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  bool segment_start = true;
  for (char c : id) {
    if (c == '.') {
      if (segment_start) return false;
      segment_start = true;
      continue;
    }
    const bool lower = c >= 'a' && c <= 'z';
    const bool digit_underscore_or_dash = (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (segment_start ? !lower : !(lower || digit_underscore_or_dash)) return false;
    segment_start = false;
  }
  return !segment_start;
}

std::string safe(const char* s) { return s == nullptr ? std::string("(null)") : std::string(s); }

bool same(const char* a, const char* b) {
  return a != nullptr && b != nullptr && std::strcmp(a, b) == 0;
}

bool factory_matches_kind(const sdk::component_descriptor& c) {
  switch (c.kind) {
    case sdk::component_kind::source:
      return c.make_source && !c.make_processor && !c.make_sink;
    case sdk::component_kind::processor:
      return !c.make_source && c.make_processor && !c.make_sink;
    case sdk::component_kind::sink:
      return !c.make_source && !c.make_processor && c.make_sink;
  }
  return false;
}

}  // namespace

loaded_plugin::~loaded_plugin() {
  components.clear();
  library.reset();
}

std::string describe(const sdk::build_fingerprint& f) {
  const std::string hash = safe(f.sdk_headers_hash);
  return fmt::format("{}, {}, Boost {}.{}.{}, SDK headers {}", safe(f.compiler),
                     safe(f.standard_library), f.boost_version / 100000,
                     f.boost_version / 100 % 1000, f.boost_version % 100, hash.substr(0, 12));
}

std::filesystem::path default_plugin_dir() {
  std::error_code ec;
  const auto exe = dll::program_location(ec);
  if (ec) return std::filesystem::current_path() / SWITCHBOARD_PLUGIN_RELATIVE_DIR;
  return (exe.parent_path() / ".." / SWITCHBOARD_PLUGIN_RELATIVE_DIR).lexically_normal();
}

std::optional<plugin_load_error> plugin_registry::load_file(const std::filesystem::path& path) {
  auto fail = [&](std::string message) {
    return plugin_load_error{path, "plugin " + path.string() + ": " + std::move(message)};
  };
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return fail("not a regular file");

  auto library = std::make_shared<dll::shared_library>();
  try {
    library->load(path, dll::load_mode::rtld_lazy | dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    return fail(fmt::format("not a loadable shared object: {}", e.what()));
  }
  if (!library->has(sdk::entry_point_name)) {
    return fail(fmt::format("missing entry point \"{}\" (was it built with SWITCHBOARD_PLUGIN?)",
                            sdk::entry_point_name));
  }
  // The entry point is constant data: reading it runs no plugin code.
  const auto* descriptor =
      static_cast<const sdk::plugin_descriptor*>(library->get<const void*>(sdk::entry_point_name));
  if (descriptor == nullptr) return fail("entry point is a null pointer");
  if (descriptor->abi_version != sdk::abi_version) {
    return fail(fmt::format("built for SDK ABI version {}, but this host speaks SDK ABI version {}",
                            descriptor->abi_version, sdk::abi_version));
  }
  const auto& theirs = descriptor->fingerprint;
  const auto& ours = sdk::this_build_fingerprint;
  if (!same(theirs.compiler, ours.compiler) ||
      !same(theirs.standard_library, ours.standard_library) ||
      theirs.boost_version != ours.boost_version ||
      !same(theirs.sdk_headers_hash, ours.sdk_headers_hash)) {
    return fail(fmt::format("build fingerprint mismatch: plugin built with {}; host built with {}",
                            describe(theirs), describe(ours)));
  }
  const std::string id = safe(descriptor->id);
  if (!is_dotted_id(id)) return fail(fmt::format("invalid plugin id \"{}\"", id));
  if (auto existing = plugins_.find(id); existing != plugins_.end()) {
    return fail(fmt::format("duplicate plugin id \"{}\": already loaded from {}", id,
                            existing->second->path.string()));
  }
  if (descriptor->components == nullptr) return fail("descriptor lists no components function");

  auto plugin = std::make_shared<loaded_plugin>();
  plugin->library = library;
  plugin->id = id;
  plugin->version = safe(descriptor->version);
  plugin->description = safe(descriptor->description);
  plugin->path = std::filesystem::absolute(path).lexically_normal();
  try {
    descriptor->components(plugin->components);
  } catch (const std::exception& e) {
    return fail(fmt::format("listing the components of \"{}\" threw: {}", id, e.what()));
  } catch (...) {
    return fail(fmt::format("listing the components of \"{}\" threw a non-standard exception", id));
  }
  std::set<std::string, std::less<>> ids;
  for (const auto& c : plugin->components) {
    if (!is_dotted_id(c.id) || !c.id.starts_with(id + ".")) {
      return fail(fmt::format("component id \"{}\" must be dotted lowercase and start with \"{}.\"",
                              c.id, id));
    }
    if (!ids.insert(c.id).second || components_.contains(c.id)) {
      return fail(fmt::format("duplicate component id \"{}\"", c.id));
    }
    if (!factory_matches_kind(c)) {
      return fail(fmt::format("component \"{}\" is a {} but does not set exactly its factory", c.id,
                              sdk::to_string(c.kind)));
    }
  }
  std::shared_ptr<const loaded_plugin> shared = std::move(plugin);
  for (const auto& c : shared->components) components_.emplace(c.id, component_ref{shared, &c});
  plugins_.emplace(id, std::move(shared));
  return std::nullopt;
}

std::vector<plugin_load_error> plugin_registry::load_directory(const std::filesystem::path& dir) {
  std::vector<plugin_load_error> errors;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    errors.push_back({dir, "plugin directory " + dir.string() + ": not a directory"});
    return errors;
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".so") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    if (auto error = load_file(f)) errors.push_back(std::move(*error));
  }
  return errors;
}

std::shared_ptr<const loaded_plugin> plugin_registry::find_plugin(std::string_view id) const {
  auto it = plugins_.find(id);
  return it == plugins_.end() ? nullptr : it->second;
}

std::optional<component_ref> plugin_registry::find_component(std::string_view id) const {
  auto it = components_.find(id);
  if (it == components_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::shared_ptr<const loaded_plugin>> plugin_registry::plugins() const {
  std::vector<std::shared_ptr<const loaded_plugin>> out;
  for (const auto& [id, p] : plugins_) out.push_back(p);
  return out;
}

}  // namespace switchboard::host
