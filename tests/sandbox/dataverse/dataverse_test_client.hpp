// In-process requests to the Dataverse emulator for tests: real handle(), no network.
#pragma once

#include "sandbox/dataverse/dataverse_emulator.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchboard::sandbox {

/// Sends requests straight to dataverse_emulator::handle() with a bearer token and a Host
/// header, as the real client would over HTTPS.
class dataverse_test_client {
 public:
  dataverse_test_client(dataverse_emulator& emulator, std::string token,
                        std::string host = "org.crm.dynamics.test")
      : emulator_(emulator), token_(std::move(token)), host_(std::move(host)) {}

  /// "https://<host>/api/data/v9.2"
  std::string root() const { return "https://" + host_ + "/api/data/v9.2"; }
  /// "/api/data/v9.2/<resource>"
  static std::string path(std::string_view resource) {
    return "/api/data/v9.2/" + std::string(resource);
  }

  server_reply send(std::string method, std::string target, std::string body = "",
                    std::vector<sdk::http_header> headers = {}) const {
    server_request request;
    request.method = std::move(method);
    request.target =
        target.rfind("https://", 0) == 0 ? target.substr(target.find('/', 8)) : std::move(target);
    request.body = std::move(body);
    request.remote = "127.0.0.1:50000";
    request.headers.push_back({"Host", host_});
    if (!token_.empty()) request.headers.push_back({"Authorization", "Bearer " + token_});
    request.headers.push_back({"Accept", "application/json"});
    request.headers.push_back({"OData-MaxVersion", "4.0"});
    request.headers.push_back({"OData-Version", "4.0"});
    for (auto& h : headers) request.headers.push_back(std::move(h));
    return emulator_.handle(request);
  }
  server_reply get(std::string target, std::vector<sdk::http_header> headers = {}) const {
    return send("GET", std::move(target), "", std::move(headers));
  }
  server_reply post(std::string target, const boost::json::value& body,
                    std::vector<sdk::http_header> headers = {}) const {
    headers.push_back({"Content-Type", "application/json"});
    return send("POST", std::move(target), boost::json::serialize(body), std::move(headers));
  }
  server_reply patch(std::string target, const boost::json::value& body,
                     std::vector<sdk::http_header> headers = {}) const {
    headers.push_back({"Content-Type", "application/json"});
    return send("PATCH", std::move(target), boost::json::serialize(body), std::move(headers));
  }

  /// The body parsed as JSON (null when it is empty or not JSON).
  static boost::json::value json(const server_reply& reply) {
    boost::system::error_code ec;
    auto value = boost::json::parse(reply.body, ec);
    return ec ? boost::json::value(nullptr) : value;
  }
  /// A header of a reply (case-insensitive), or "".
  static std::string header(const server_reply& reply, std::string_view name) {
    for (const auto& h : reply.headers) {
      if (h.name.size() != name.size()) continue;
      bool same = true;
      for (std::size_t i = 0; i < name.size() && same; ++i) {
        same =
            sdk::http_response::ascii_lower(h.name[i]) == sdk::http_response::ascii_lower(name[i]);
      }
      if (same) return h.value;
    }
    return "";
  }

 private:
  dataverse_emulator& emulator_;
  std::string token_;
  std::string host_;
};

}  // namespace switchboard::sandbox
