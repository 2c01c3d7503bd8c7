// Wiring the emulators together: shared token registries, credentials, ports, control API.
#include "sandbox/sandbox.hpp"

#include "sandbox/ingress_schema.hpp"

#include "sandbox/campaign/campaign_emulator.hpp"
#include "sandbox/dataverse/dataverse_emulator.hpp"
#include "sandbox/entra/entra_emulator.hpp"
#include "sandbox/events/events_emulator.hpp"
#include "sandbox/ims/ims_emulator.hpp"

#include <fmt/format.h>

#include <random>

namespace switchboard::sandbox {
namespace json = boost::json;
namespace {

constexpr std::string_view service_order[] = {"dataverse", "entra", "campaign", "ims", "events"};

host::server_options server_options_for(const sandbox_options& o, std::size_t index) {
  host::server_options s;
  s.address = o.bind;
  s.port = o.base_port == 0 ? 0 : static_cast<std::uint16_t>(o.base_port + index);
  s.threads = o.threads_per_service;
  return s;
}

std::filesystem::path make_temp_dir() {
  std::random_device rd;
  auto dir =
      std::filesystem::temp_directory_path() / fmt::format("switchboard-sandbox-{:08x}", rd());
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace

sandbox::sandbox(sandbox_options options)
    : options_(std::move(options)), identity_(tls_identity::generate()) {
  if (options_.ca_file.empty()) {
    temp_dir_ = make_temp_dir();
    ca_file_ = temp_dir_ / "sandbox-ca.pem";
  } else {
    ca_file_ = std::filesystem::absolute(options_.ca_file);
  }
  identity_.write_ca(ca_file_);
  const auto& c = options_.credentials;

  const auto data_clock = [frozen = frozen_ms_] {
    const auto ms = frozen->load();
    return ms == 0 ? std::chrono::system_clock::now()
                   : std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
  };
  dataverse_options dataverse_settings;
  dataverse_settings.clock = data_clock;
  auto dataverse = std::make_unique<dataverse_emulator>(entra_tokens_, dataverse_settings);
  if (options_.seed_contacts > 0) dataverse->seed_contacts(options_.seed_contacts, options_.seed);

  entra_options entra;
  entra.apps.push_back({c.entra_tenant, c.entra_client_id, {c.entra_client_secret}, {}});

  ims_options ims;
  ims_client client;
  client.client_id = c.ims_client_id;
  client.client_secrets = {c.ims_client_secret};
  client.org_id = c.ims_org_id;
  client.technical_account_id = c.ims_technical_account;
  client.metascopes = {"ent_campaign_sdk"};
  client.organizations = {c.campaign_organization};
  ims.clients.push_back(std::move(client));

  campaign_options campaign;
  campaign.organization = c.campaign_organization;
  campaign.ims_org_id = c.ims_org_id;
  campaign.api_keys = {c.ims_client_id};
  campaign.clock = data_clock;
  auto campaign_service = std::make_unique<campaign_emulator>(ims_tokens_, std::move(campaign));
  if (options_.seed_profiles > 0)
    campaign_service->seed_profiles(options_.seed_profiles, options_.seed);

  events_options events;
  events.registrations.push_back(
      {c.events_organization, c.events_integration, c.events_registration, c.ims_org_id});
  events.api_keys = {c.ims_client_id};
  events.seed = options_.seed;

  std::vector<std::unique_ptr<emulator>> emulators;
  emulators.push_back(std::move(dataverse));
  emulators.push_back(std::make_unique<entra_emulator>(entra_tokens_, std::move(entra)));
  emulators.push_back(std::move(campaign_service));
  emulators.push_back(std::make_unique<ims_emulator>(ims_tokens_, std::move(ims)));
  emulators.push_back(std::make_unique<events_emulator>(ims_tokens_, std::move(events)));
  for (std::size_t i = 0; i < emulators.size(); ++i) {
    const std::string name(emulators[i]->name());
    auto host = std::make_unique<service_host>(std::move(emulators[i]), identity_,
                                               server_options_for(options_, i));
    service_index_[name] = host.get();
    services_[name] = std::move(host);
  }
  if (options_.ingress_schema) {
    define_ingress_schema(*this);
    if (options_.seed_vehicles > 0) {
      seed_ingress_rows(*this, options_.seed_vehicles, options_.seed_visits_per_vehicle,
                        options_.seed);
    }
  }
  for (const auto& [name, rule] : options_.faults) service(name).faults().add(rule);
  control_ = std::make_unique<host::https_server>(
      identity_.credentials(),
      [this](const server_request& r) { return handle_control(service_index_, r); },
      server_options_for(options_, std::size(service_order)));
}

void sandbox::freeze_clock(std::chrono::system_clock::time_point at) {
  frozen_ms_->store(
      std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count());
}

void sandbox::release_clock() { frozen_ms_->store(0); }

sandbox::~sandbox() {
  if (control_) control_->stop();
  services_.clear();
  if (!temp_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir_, ec);
  }
}

service_host& sandbox::service(std::string_view name) {
  const auto it = service_index_.find(name);
  if (it == service_index_.end()) {
    throw std::out_of_range(fmt::format("sandbox: unknown service \"{}\"", name));
  }
  return *it->second;
}

std::string sandbox::url(std::string_view service_name) const {
  if (service_name == "control") return control_->base_url();
  const auto it = service_index_.find(service_name);
  if (it == service_index_.end()) {
    throw std::out_of_range(fmt::format("sandbox: unknown service \"{}\"", service_name));
  }
  return it->second->url();
}

json::object sandbox::describe() const {
  const auto& c = options_.credentials;
  json::object urls;
  for (const auto& [name, host] : service_index_) urls[name] = host->url();
  urls["control"] = control_->base_url();
  return json::object{{"urls", std::move(urls)},
                      {"ca_file", ca_file_.string()},
                      {"entra",
                       {{"tenant", c.entra_tenant},
                        {"client_id", c.entra_client_id},
                        {"client_secret", c.entra_client_secret}}},
                      {"ims",
                       {{"org_id", c.ims_org_id},
                        {"client_id", c.ims_client_id},
                        {"client_secret", c.ims_client_secret},
                        {"technical_account", c.ims_technical_account}}},
                      {"campaign", {{"organization", c.campaign_organization}}},
                      {"events",
                       {{"organization", c.events_organization},
                        {"integration", c.events_integration},
                        {"registration", c.events_registration}}}};
}

}  // namespace switchboard::sandbox
