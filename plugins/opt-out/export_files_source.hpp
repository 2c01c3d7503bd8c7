// opt-out.export_files: the compatibility path for Campaign → Dynamics opt-outs. A Campaign
// workflow drops CSV exports of changed opt-outs into an SFTP folder (d365_loads/exports by
// default) or a local folder; each file is read once (remembered by name + SHA-256), handed out
// line by line as opt-out change records, then moved to the processed folder.
#pragma once

#include "switchboard/sdk/component.hpp"
#include "switchboard/sdk/config.hpp"
#include "switchboard/sdk/context.hpp"

#include <memory>

namespace switchboard::optout {

/// The options opt-out.export_files takes.
sdk::config_schema export_files_schema();

/// Creates the source. Throws std::invalid_argument for options the schema cannot check.
std::unique_ptr<sdk::source> make_export_files_source(const sdk::options& options,
                                                      sdk::context& ctx);

}  // namespace switchboard::optout
