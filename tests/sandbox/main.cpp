// switchboard-sandbox: serves the emulators until SIGINT/SIGTERM.
#include "sandbox/sandbox.hpp"

#include <CLI/CLI.hpp>
#include <boost/json/serialize.hpp>

#include <csignal>
#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
  namespace sb = switchboard::sandbox;
  CLI::App app{
      "switchboard-sandbox: HTTPS emulators of the Dataverse Web API, Microsoft Entra ID token "
      "endpoint, Adobe Campaign Standard REST API, Adobe IMS and Adobe I/O Events journal, "
      "with a control API for seeding, inspection and fault injection",
      "switchboard-sandbox"};
  sb::sandbox_options options;
  std::vector<std::string> faults;
  std::string describe_file;
  app.add_option("--bind", options.bind, "address to listen on")->capture_default_str();
  app.add_option("--base-port", options.base_port,
                 "0: every service on a free port; N: dataverse N, entra N+1, campaign N+2, "
                 "ims N+3, events N+4, control N+5")
      ->capture_default_str();
  app.add_option("--ca-file", options.ca_file,
                 "write the generated CA certificate here (clients trust it); default: a "
                 "temporary file, named in the start-up JSON");
  app.add_option("--seed-contacts", options.seed_contacts,
                 "deterministic Dataverse contacts to create at start")
      ->capture_default_str();
  app.add_option("--seed-profiles", options.seed_profiles,
                 "deterministic Campaign profiles to create at start")
      ->capture_default_str();
  app.add_flag("--ingress-schema", options.ingress_schema,
               "define the ingress flows' tables and resources: Dataverse new_vehicle and "
               "new_servicevisit, Campaign cusVehicle and cusServiceVisit, the profile key "
               "externalId with its filter byExternalId (docs/sandbox.md)");
  app.add_option("--seed-vehicles", options.seed_vehicles,
                 "with --ingress-schema: vehicles owned by the seeded contacts")
      ->capture_default_str();
  app.add_option("--seed-visits", options.seed_visits_per_vehicle,
                 "with --ingress-schema: service visits per vehicle")
      ->capture_default_str();
  app.add_option("--seed", options.seed, "seed for generated data")->capture_default_str();
  app.add_option("--threads", options.threads_per_service, "server threads per service")
      ->capture_default_str();
  app.add_option(
      "--fault", faults,
      "install a fault rule: SERVICE:MATCH|key=value,... where MATCH is a request kind prefix "
      "(\"GET contacts\", \"POST $batch\", \"POST token\", \"\" for all) and keys are status, "
      "rate (0..1), count, retry_after (s), latency_ms, reset, truncate, malformed; e.g. "
      "--fault 'dataverse:GET contacts|status=429,rate=0.1,retry_after=1' (repeatable; more "
      "at run time through POST <control>/control/<service>/faults)");
  app.add_option("--describe-file", describe_file,
                 "also write the start-up JSON (URLs, CA file, credentials) to this file");
  app.footer(
      "Prints one JSON line at start: service URLs, the CA file and the credentials the token "
      "endpoints accept. Control API: GET /control/services; POST|DELETE "
      "/control/<service>/faults; GET|DELETE /control/<service>/requests; GET|POST "
      "/control/<service>/<action> (dataverse: seed_contacts, define_table, upsert_rows, "
      "delete_rows, rows, expire_delta_tokens; campaign: seed_profiles, profiles, resources, "
      "...; events: send_delivery, events, ...). Stops on SIGINT/SIGTERM.");
  CLI11_PARSE(app, argc, argv);

  for (const auto& f : faults) {
    const auto colon = f.find(':');
    if (colon == std::string::npos) {
      std::cerr << "--fault " << f << ": expected SERVICE:RULE\n";
      return 2;
    }
    try {
      options.faults.emplace_back(f.substr(0, colon),
                                  sb::fault_rule::from_text(f.substr(colon + 1)));
    } catch (const std::invalid_argument& e) {
      std::cerr << "--fault " << f << ": " << e.what() << "\n";
      return 2;
    }
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  try {
    sb::sandbox sandbox(options);
    const std::string line = boost::json::serialize(sandbox.describe());
    std::cout << line << std::endl;
    if (!describe_file.empty()) std::ofstream(describe_file) << line << "\n";
    int received = 0;
    sigwait(&signals, &received);
    std::cerr << "switchboard-sandbox: stopping on signal " << received << "\n";
  } catch (const std::exception& e) {
    std::cerr << "switchboard-sandbox: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
