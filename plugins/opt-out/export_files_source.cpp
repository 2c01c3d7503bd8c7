// opt-out.export_files: lists the export folder, reads one file at a time whole, hands its lines
// out as records, and moves it to the processed folder once its last line is out. Applied files
// are remembered in the route's kv state by name and SHA-256, and every file handed out
// completely gets a sequence number in a journal there, so a restart from an older committed
// cursor hands out again what the sink may not have stored, even after the file was moved.
#include "export_files_source.hpp"

#include "export_csv.hpp"
#include "export_files_config.hpp"
#include "file_folder.hpp"

#include <openssl/evp.h>

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <deque>
#include <optional>
#include <stdexcept>

namespace switchboard::optout {
namespace {

namespace json = boost::json;
constexpr std::string_view component_id = "opt-out.export_files";
constexpr std::string_view done_prefix = "export_files:done:";
constexpr std::string_view journal_prefix = "export_files:finished:";
constexpr std::string_view count_key = "export_files:finished_count";
constexpr std::string_view cursor_seen_key = "export_files:cursor_seen";
/// Journal entries kept: how many files a restart can reach back to.
constexpr std::uint64_t journal_keep = 1000;
constexpr int max_target_attempts = 1000;

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("opt-out.export_files: computing a sha-256 failed");
  }
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

bool ends_with_ci(std::string_view text, std::string_view suffix) {
  if (suffix.size() > text.size()) return false;
  return std::equal(suffix.rbegin(), suffix.rend(), text.rbegin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
}

std::string done_key(std::string_view name, std::string_view sha) {
  return fmt::format("{}{}:{}", done_prefix, name, sha);
}

std::string journal_key(std::uint64_t seq) { return fmt::format("{}{}", journal_prefix, seq); }

/// The cursor: how many files were handed out completely (`seq`, the journal's numbering), and
/// the file being handed out with the last line handed out, or that it is finished.
struct position {
  std::uint64_t seq = 0;
  std::string file;
  std::string sha256;
  std::size_t line = 0;
  bool finished = false;
};

std::string encode(const position& p) {
  json::object o{{"seq", p.seq}};
  if (!p.file.empty()) {
    o["file"] = p.file;
    o["sha256"] = p.sha256;
    o["line"] = p.line;
    o["finished"] = p.finished;
  }
  return json::serialize(o);
}

std::optional<position> decode(const std::string& token) {
  boost::system::error_code ec;
  const auto doc = json::parse(token, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  const auto& o = doc.get_object();
  position p;
  const auto* seq = o.if_contains("seq");
  if (seq == nullptr || !seq->is_number()) return std::nullopt;
  p.seq = seq->to_number<std::uint64_t>(ec);
  if (ec) return std::nullopt;
  const auto* file = o.if_contains("file");
  if (file == nullptr) return p;
  const auto* sha = o.if_contains("sha256");
  const auto* line = o.if_contains("line");
  const auto* finished = o.if_contains("finished");
  if (!file->is_string() || file->get_string().empty() || sha == nullptr || !sha->is_string() ||
      line == nullptr || !line->is_number() || finished == nullptr || !finished->is_bool()) {
    return std::nullopt;
  }
  p.file = std::string(file->get_string());
  p.sha256 = std::string(sha->get_string());
  p.line = line->to_number<std::size_t>(ec);
  if (ec) return std::nullopt;
  p.finished = finished->get_bool();
  return p;
}

/// A file the cursor or the journal says to hand out (again) before the folder is listed.
struct redo_item {
  std::uint64_t journal_seq = 0;  ///< 0: not handed out completely before
  std::string name;
  std::string sha256;
  std::size_t after_line = 0;
};

/// The file being handed out.
struct current_file {
  std::string name;
  std::string sha256;
  std::string path;           ///< where it is read from now
  bool in_processed = false;  ///< already moved: nothing to do when it is finished
  std::uint64_t journal_seq = 0;
  std::vector<export_row> rows;
  std::size_t next_row = 0;
  std::size_t last_line = 0;  ///< the last line handed out (0: none)
};

sdk::record make_record(const current_file& file, const export_row& row) {
  sdk::record rec;
  rec.op = sdk::operation::upsert;
  const auto line = static_cast<std::int64_t>(row.line);
  if (!row.change) {
    rec.key = fmt::format("{}:{}", file.name, row.line);
    rec.fields =
        json::object{{"malformed", fmt::format("{} line {}: {}", file.name, row.line, row.error)},
                     {"file", file.name},
                     {"line", line},
                     {"text", row.text}};
    return rec;
  }
  const auto& c = *row.change;
  rec.key = c.external_id;
  rec.source_time = c.changed;
  rec.fields["externalId"] = c.external_id;
  if (!c.pkey.empty()) rec.fields["PKey"] = c.pkey;
  rec.fields[c.attribute] = c.value;
  rec.fields[c.attribute + "@changed"] = c.changed_text;
  rec.fields["file"] = file.name;
  rec.fields["line"] = line;
  return rec;
}

class export_files_source final : public sdk::source {
 public:
  export_files_source(export_files_settings settings, sdk::context& ctx,
                      std::unique_ptr<file_folder> folder)
      : settings_(std::move(settings)), ctx_(ctx), folder_(std::move(folder)) {}

  sdk::status open(const sdk::cursor& from) override {
    file_.reset();
    redo_.clear();
    finished_.reset();
    position p;
    if (!from.empty()) {
      auto decoded = decode(from.token);
      if (!decoded) {
        return sdk::status::permanent(
            fmt::format("{}: the stored cursor \"{}\" is not a position of this source",
                        component_id, from.token));
      }
      p = std::move(*decoded);
    }
    count_ = stored_count();
    auto& kv = ctx_.state();
    if (!from.empty()) {
      kv.put(cursor_seen_key, "1");
    } else if (kv.get(cursor_seen_key) || ctx_.replaying()) {
      // Read again from scratch on purpose (replay, resync): only the folder, never the files
      // applied before.
      p.seq = count_;
    }
    count_ = std::max(count_, p.seq);
    seq_ = p.seq;
    std::uint64_t next = p.seq + 1;
    if (!p.file.empty() && !p.finished) {
      redo_item item{0, p.file, p.sha256, p.line};
      if (const auto entry = journal_entry(next);
          entry && entry->first == p.file && entry->second == p.sha256) {
        item.journal_seq = next++;
      }
      redo_.push_back(std::move(item));
    }
    for (; next <= count_; ++next) {
      const auto entry = journal_entry(next);
      if (!entry) {
        ctx_.log().warn(
            fmt::format("{}: file number {} handed out after the stored cursor is no longer in the "
                        "journal (it keeps {} files): its records are not handed out again",
                        component_id, next, journal_keep));
        continue;
      }
      redo_.push_back(redo_item{next, entry->first, entry->second, 0});
    }
    return sdk::status::ok();
  }

  sdk::status read(sdk::batch& out, std::size_t max_records) override {
    out.next = {encode(here())};
    while (out.records.empty()) {
      if (!file_) {
        if (auto st = next_file(); !st) return st;
        if (!file_) {
          out.next = {encode(here())};
          out.caught_up = !ctx_.stop_requested();
          return sdk::status::ok();
        }
      }
      auto& f = *file_;
      std::size_t i = f.next_row;
      while (i < f.rows.size() && out.records.size() < max_records) {
        out.records.push_back(make_record(f, f.rows[i++]));
      }
      if (i < f.rows.size()) {
        if (i == f.next_row) return sdk::status::ok();  // asked for nothing
        f.next_row = i;
        f.last_line = f.rows[i - 1].line;
        out.next = {encode(here())};
        return sdk::status::ok();
      }
      // The file's last line is in this batch: done marker, journal, move. Until that all
      // worked nothing advances, and the next read hands out the same lines again.
      if (auto st = finish(f); !st) return st;
      count_lines(f);
      position done{seq_, f.name, f.sha256, f.rows.empty() ? f.last_line : f.rows.back().line,
                    true};
      out.next = {encode(done)};
      file_.reset();
      finished_ = std::move(done);
    }
    return sdk::status::ok();
  }

 private:
  /// The cursor of the current position.
  position here() const {
    if (file_) {
      const auto seq = file_->journal_seq != 0 ? file_->journal_seq - 1 : seq_;
      return {seq, file_->name, file_->sha256, file_->last_line, false};
    }
    if (finished_ && finished_->seq == seq_) return *finished_;
    return {seq_, {}, {}, 0, false};
  }

  std::uint64_t stored_count() {
    const auto text = ctx_.state().get(count_key);
    if (!text) return 0;
    try {
      return std::stoull(*text);
    } catch (const std::exception&) {
      return 0;
    }
  }

  std::optional<std::pair<std::string, std::string>> journal_entry(std::uint64_t seq) {
    const auto text = ctx_.state().get(journal_key(seq));
    if (!text) return std::nullopt;
    boost::system::error_code ec;
    const auto doc = json::parse(*text, ec);
    if (ec || !doc.is_object()) return std::nullopt;
    const auto* name = doc.get_object().if_contains("name");
    const auto* sha = doc.get_object().if_contains("sha256");
    if (name == nullptr || !name->is_string() || sha == nullptr || !sha->is_string()) {
      return std::nullopt;
    }
    return std::pair{std::string(name->get_string()), std::string(sha->get_string())};
  }

  /// Where the done marker says the file was moved, or "".
  std::string moved_to(const std::string& name, const std::string& sha) {
    const auto text = ctx_.state().get(done_key(name, sha));
    if (!text) return {};
    boost::system::error_code ec;
    const auto doc = json::parse(*text, ec);
    const auto* to = !ec && doc.is_object() ? doc.get_object().if_contains("moved_to") : nullptr;
    return to != nullptr && to->is_string() ? std::string(to->get_string()) : std::string();
  }

  std::string where(const std::string& folder) const {
    return fmt::format("{} on {}", folder, folder_->where());
  }

  /// Reads `path` and checks it is `sha`; found false when missing or different.
  sdk::status read_matching(const std::string& path, const std::string& sha, std::string& content,
                            bool& found) {
    if (auto st = folder_->read(path, content, found); !st) {
      return sdk::status::error(st.kind(), fmt::format("{}: {}", component_id, st.message()));
    }
    if (found && sha256_hex(content) != sha) found = false;
    return sdk::status::ok();
  }

  void open_content(std::string name, std::string sha, std::string path, bool in_processed,
                    std::uint64_t journal_seq, std::size_t after_line, const std::string& content) {
    auto f = std::make_unique<current_file>();
    f->name = std::move(name);
    f->sha256 = std::move(sha);
    f->path = std::move(path);
    f->in_processed = in_processed;
    f->journal_seq = journal_seq;
    f->rows = parse_export_csv(content, settings_.delimiter);
    f->last_line = after_line;
    while (f->next_row < f->rows.size() && f->rows[f->next_row].line <= after_line) ++f->next_row;
    ctx_.log().info(fmt::format(
        "{}: reading {} ({} bytes, sha256 {}, {} data lines){}", component_id, where(f->path),
        content.size(), f->sha256, f->rows.size(),
        after_line > 0 ? fmt::format(", resuming after line {}", after_line) : std::string()));
    file_ = std::move(f);
  }

  /// Opens the next file to hand out into file_, or leaves it empty when there is none.
  sdk::status next_file() {
    while (!redo_.empty() && !ctx_.stop_requested()) {
      const auto item = redo_.front();
      std::string content;
      bool found = false;
      const auto in_folder = join_path(settings_.folder, item.name);
      if (auto st = read_matching(in_folder, item.sha256, content, found); !st) return st;
      bool in_processed = false;
      std::string path = in_folder;
      if (!found) {
        path = moved_to(item.name, item.sha256);
        if (!path.empty()) {
          if (auto st = read_matching(path, item.sha256, content, found); !st) return st;
          in_processed = true;
        }
      }
      redo_.pop_front();
      if (!found) {
        ctx_.log().warn(fmt::format(
            "{}: {} (sha256 {}) named by the stored cursor is gone or changed, neither in "
            "folder {} nor where it was moved: continuing with the folder listing",
            component_id, item.name, item.sha256, where(settings_.folder)));
        if (item.journal_seq != 0) seq_ = item.journal_seq;
        continue;
      }
      if (item.journal_seq != 0) seq_ = item.journal_seq - 1;
      open_content(item.name, item.sha256, path, in_processed, item.journal_seq, item.after_line,
                   content);
      return sdk::status::ok();
    }
    seq_ = std::max(seq_, count_);
    std::vector<std::string> names;
    if (auto st = folder_->list(settings_.folder, names); !st) {
      return sdk::status::error(st.kind(), fmt::format("{}: {}", component_id, st.message()));
    }
    std::erase_if(names, [&](const std::string& n) { return !ends_with_ci(n, settings_.suffix); });
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      if (ctx_.stop_requested()) return sdk::status::ok();
      const auto path = join_path(settings_.folder, name);
      std::string content;
      bool found = false;
      if (auto st = folder_->read(path, content, found); !st) {
        return sdk::status::error(st.kind(), fmt::format("{}: {}", component_id, st.message()));
      }
      if (!found) continue;  // gone since the listing
      auto sha = sha256_hex(content);
      if (ctx_.state().get(done_key(name, sha))) {
        std::string target;
        if (auto st = move_to_processed(path, name, sha, target); !st) return st;
        ctx_.metrics().add("opt_out_export_files_skipped_total", 1);
        ctx_.log().info(fmt::format("{}: {} (sha256 {}) was already applied, moved to {}",
                                    component_id, where(path), sha, target));
        continue;
      }
      open_content(name, std::move(sha), path, false, 0, 0, content);
      return sdk::status::ok();
    }
    return sdk::status::ok();
  }

  /// A free name for `name` in the processed folder: the name itself, else with ".<sha8>",
  /// else with ".<sha8>.<n>".
  sdk::status free_target(const std::string& name, const std::string& sha, std::string& target) {
    if (!processed_ready_) {
      if (auto st = folder_->make_directory(settings_.processed_folder); !st) {
        return sdk::status::error(st.kind(), fmt::format("{}: {}", component_id, st.message()));
      }
      processed_ready_ = true;
    }
    for (int attempt = 0; attempt < max_target_attempts; ++attempt) {
      const auto candidate = attempt == 0 ? name
                             : attempt == 1
                                 ? fmt::format("{}.{}", name, sha.substr(0, 8))
                                 : fmt::format("{}.{}.{}", name, sha.substr(0, 8), attempt);
      target = join_path(settings_.processed_folder, candidate);
      bool taken = false;
      if (auto st = folder_->exists(target, taken); !st) {
        return sdk::status::error(st.kind(), fmt::format("{}: {}", component_id, st.message()));
      }
      if (!taken) return sdk::status::ok();
    }
    return sdk::status::retryable(fmt::format("{}: no free name for {} in {}", component_id, name,
                                              where(settings_.processed_folder)));
  }

  sdk::status move_to_processed(const std::string& path, const std::string& name,
                                const std::string& sha, std::string& target) {
    if (auto st = free_target(name, sha, target); !st) return st;
    if (auto st = folder_->rename(path, target); !st) {
      processed_ready_ = false;  // maybe someone removed it
      return sdk::status::error(st.kind(), fmt::format("{}: {}", component_id, st.message()));
    }
    return sdk::status::ok();
  }

  /// The bookkeeping once the last line of `f` is handed out.
  sdk::status finish(current_file& f) {
    if (f.in_processed) {
      seq_ = f.journal_seq != 0 ? f.journal_seq : seq_;
      return sdk::status::ok();
    }
    std::string target;
    if (auto st = free_target(f.name, f.sha256, target); !st) return st;
    auto& kv = ctx_.state();
    kv.put(done_key(f.name, f.sha256),
           json::serialize(
               json::object{{"moved_to", target},
                            {"lines", f.rows.size()},
                            {"finished_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                                ctx_.clock().now().time_since_epoch())
                                                .count()}}));
    if (f.journal_seq == 0) {
      const auto last = journal_entry(count_);
      if (!last || last->first != f.name || last->second != f.sha256) {
        ++count_;
        kv.put(journal_key(count_),
               json::serialize(json::object{{"name", f.name}, {"sha256", f.sha256}}));
        kv.put(count_key, std::to_string(count_));
        if (count_ > journal_keep) kv.erase(journal_key(count_ - journal_keep));
      }
      f.journal_seq = count_;
    }
    if (auto st = folder_->rename(f.path, target); !st) {
      processed_ready_ = false;
      return sdk::status::error(st.kind(), fmt::format("{}: {}", component_id, st.message()));
    }
    seq_ = f.journal_seq;
    ctx_.metrics().add("opt_out_export_files_total", 1);
    ctx_.log().info(fmt::format("{}: {} finished ({} data lines), moved to {}", component_id,
                                where(f.path), f.rows.size(), target));
    return sdk::status::ok();
  }

  void count_lines(const current_file& f) {
    std::size_t malformed = 0;
    for (const auto& row : f.rows) malformed += row.change ? 0 : 1;
    ctx_.metrics().add("opt_out_export_lines_total", static_cast<double>(f.rows.size()));
    ctx_.metrics().add("opt_out_export_malformed_lines_total", static_cast<double>(malformed));
    if (malformed > 0) {
      ctx_.log().warn(
          fmt::format("{}: {} has {} malformed line(s), handed out as malformed records",
                      component_id, f.name, malformed));
    }
  }

  const export_files_settings settings_;
  sdk::context& ctx_;
  std::unique_ptr<file_folder> folder_;
  std::deque<redo_item> redo_;
  std::unique_ptr<current_file> file_;
  std::optional<position> finished_;  ///< the file finished last, for the cursor
  std::uint64_t count_ = 0;           ///< files handed out completely (journal numbering)
  std::uint64_t seq_ = 0;             ///< files before the current position
  bool processed_ready_ = false;
};

}  // namespace

std::unique_ptr<sdk::source> make_export_files_source(const sdk::options& options,
                                                      sdk::context& ctx) {
  auto settings = parse_export_files_settings(options);
  std::unique_ptr<file_folder> folder;
  if (settings.location == export_location::local) {
    folder = make_local_folder();
  } else {
    folder =
        make_sftp_folder(sftp_endpoint{.host = settings.host,
                                       .port = settings.port,
                                       .user = settings.user,
                                       .private_key = settings.private_key,
                                       .private_key_passphrase = settings.private_key_passphrase,
                                       .host_key_sha256 = settings.host_key_sha256,
                                       .timeout = settings.timeout});
  }
  return std::make_unique<export_files_source>(std::move(settings), ctx, std::move(folder));
}

}  // namespace switchboard::optout
