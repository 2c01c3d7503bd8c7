// Loads plugin shared objects, checks their descriptors, and hands out their components.
#pragma once

#include "switchboard/sdk/plugin.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace switchboard::host {

/// A plugin that passed every check. The library stays loaded while this object lives; every
/// object created from the plugin holds a shared_ptr to it.
struct loaded_plugin {
  /// Declared first, destroyed last: the component descriptors (whose std::function targets
  /// and values live in the library) go before the library is unloaded.
  std::shared_ptr<void> library;
  std::string id;
  std::string version;
  std::string description;
  std::filesystem::path path;
  std::vector<sdk::component_descriptor> components;

  loaded_plugin() = default;
  loaded_plugin(const loaded_plugin&) = delete;
  loaded_plugin& operator=(const loaded_plugin&) = delete;
  ~loaded_plugin();
};

/// A component and the plugin that owns it.
struct component_ref {
  std::shared_ptr<const loaded_plugin> plugin;
  const sdk::component_descriptor* descriptor = nullptr;
};

/// An object created by a plugin, holding the plugin (and so its library) until after the
/// object is destroyed.
template <class T>
class plugin_object {
 public:
  plugin_object() = default;
  plugin_object(std::shared_ptr<const loaded_plugin> plugin, std::unique_ptr<T> object)
      : plugin_(std::move(plugin)), object_(std::move(object)) {}
  plugin_object(plugin_object&&) noexcept = default;
  plugin_object& operator=(plugin_object&& other) noexcept {
    object_ = std::move(other.object_);
    plugin_ = std::move(other.plugin_);
    return *this;
  }
  ~plugin_object() { object_.reset(); }

  T* get() const noexcept { return object_.get(); }
  T* operator->() const noexcept { return object_.get(); }
  T& operator*() const noexcept { return *object_; }
  explicit operator bool() const noexcept { return object_ != nullptr; }

 private:
  std::shared_ptr<const loaded_plugin> plugin_;  // destroyed after object_
  std::unique_ptr<T> object_;
};

/// Why a file was not loaded.
struct plugin_load_error {
  std::filesystem::path path;
  std::string message;
};

/// The loaded plugins of a host. Not thread-safe while loading; const use is thread-safe.
class plugin_registry {
 public:
  /// Loads one file. Checks, in order, before calling any plugin code: the file is a shared
  /// object, it exports the entry point, the descriptor's SDK ABI number and build fingerprint
  /// match the host's, its id is well-formed and not loaded yet. Then lists its components
  /// (plugin code; exceptions are caught) and checks their ids and kinds.
  /// Returns the error instead of throwing; nothing is registered on error.
  std::optional<plugin_load_error> load_file(const std::filesystem::path& path);

  /// Loads every "*.so" file in a directory (sorted by name); returns one error per refused
  /// file (a missing directory is one error).
  std::vector<plugin_load_error> load_directory(const std::filesystem::path& dir);

  /// The plugin with this id, or nullptr.
  std::shared_ptr<const loaded_plugin> find_plugin(std::string_view id) const;
  /// The component with this id, or nullopt.
  std::optional<component_ref> find_component(std::string_view id) const;
  /// All plugins, sorted by id.
  std::vector<std::shared_ptr<const loaded_plugin>> plugins() const;

 private:
  std::map<std::string, std::shared_ptr<const loaded_plugin>, std::less<>> plugins_;
  std::map<std::string, component_ref, std::less<>> components_;
};

/// Renders a fingerprint as "gcc 12.2.0, libstdc++ cxx11-abi, Boost 1.81.0, SDK headers
/// 1a2b3c4d5e6f".
std::string describe(const sdk::build_fingerprint& fingerprint);

/// The directory the host looks in when neither the config nor the command line names one:
/// "<dir of the executable>/../lib/switchboard/plugins".
std::filesystem::path default_plugin_dir();

}  // namespace switchboard::host
