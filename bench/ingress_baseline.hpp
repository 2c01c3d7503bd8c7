// The reference of the ingress benchmark: a minimal hand-written client doing the contact flow's
// Dataverse page reads and Campaign profile POSTs with Boost.Beast; no host, plugins, mapping
// engine or state store.
#pragma once

#include <cstddef>
#include <string>

namespace switchboard::bench {

/// Where the services are and how to read and write; the values the route uses.
struct baseline_options {
  std::string ca_file;
  std::string dataverse_url;  ///< "https://127.0.0.1:port"
  std::string entra_url;
  std::string entra_tenant;
  std::string entra_client_id;
  std::string entra_client_secret;
  std::string campaign_url;  ///< "https://127.0.0.1:port/<organization>"
  std::string ims_url;
  std::string ims_client_id;
  std::string ims_client_secret;
  std::string select;  ///< the $select of the route's source
  std::size_t page_size = 5000;
  std::size_t concurrency = 16;
  unsigned io_threads = 2;
};

struct baseline_result {
  std::size_t pages = 0;
  std::size_t rows = 0;
  std::size_t created = 0;
  double seconds = 0;  ///< from the first token request to the last answer
  double cpu_seconds =
      0;  ///< CPU of the client: its I/O threads, and the calling thread during run
};

/// Gets an Entra and an IMS token, reads every contact page of a tracked initial load
/// (`Prefer: odata.track-changes,odata.maxpagesize=N`, following @odata.nextLink, the next
/// page read while the current one is written) and POSTs one profile per row, `concurrency`
/// requests in flight over as many keep-alive connections on `io_threads` threads. Throws
/// std::runtime_error on any failure (a transport error, an unexpected status, a missing PKey).
baseline_result run_baseline(const baseline_options& options);

}  // namespace switchboard::bench
