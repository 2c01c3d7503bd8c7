// The writing half of campaign.resource: per write() call a plan per record (skip, create,
// update, delete, look up by key) executed in concurrent rounds of requests.
#include "resource_writer.hpp"

#include "campaign_api.hpp"
#include "create_journal.hpp"
#include "mapping/mapping.hpp"

#include <fmt/format.h>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace switchboard::campaign {
namespace json = boost::json;

namespace {

/// Requests one record may take within one call (lookup, POST, duplicate → lookup, PATCH, gone
/// → POST …) before it is given back as retryable.
constexpr int max_requests_per_record = 6;

/// A call of more records than twice this is planned in parts (see write()).
constexpr std::size_t min_first_part = 256;
/// The records planned before a pipelined call's first requests go out.
constexpr std::size_t opening_part = 64;

/// What Campaign must end up with for one record.
enum class intent : std::uint8_t {
  upsert,           ///< the record exists with the mapped payload
  remove,           ///< the source row was deleted
  remove_filtered,  ///< the source row no longer passes the mapping's filters
};

/// The request a job sends next.
enum class step : std::uint8_t {
  lookup,  ///< GET <resource>/<keyFilter>?<param>=<key value>
  create,  ///< POST <resource>
  update,  ///< PATCH <resource>/<PKey from the id map>
  adopt,   ///< PATCH <resource>/<PKey found by key> with the full payload
  remove,  ///< DELETE <resource>/<PKey>
  done,
};

/// One record's way through the rounds of a write() call.
struct job {
  std::size_t index = 0;
  intent what = intent::upsert;
  step next = step::done;
  std::string key;
  std::string key_value;  ///< the Campaign key field's value, for lookups
  std::string pkey;
  /// The mapped payloads, kept while a request may still need them; a request's body is
  /// serialized when the request is made (a create needs only the create body, an update only
  /// the update body, a skip none). Allocated from the call's monotonic resource.
  std::optional<json::object> create_payload;
  std::optional<json::object> update_payload;
  std::string hash;
  std::optional<sdk::id_map::entry> entry;
  bool suspect = false;        ///< may exist in Campaign without an id map entry
  bool maybe_created = false;  ///< a create may have happened although it did not report ok
  bool created = false;        ///< created or adopted: its PKey is not in the id map yet
  bool erased = false;         ///< its id map entry was erased by this call
  bool after_duplicate = false;
  bool replaying = false;  ///< updates send the full payload (the adopt body)
  int requests = 0;
  std::string last_failure;
  sdk::write_result result;
};

/// How records were written in one call, for metrics and the debug log.
struct call_counts {
  std::uint64_t requests = 0;
  std::uint64_t skipped = 0;
  std::uint64_t creates = 0;
  std::uint64_t updates = 0;
  std::uint64_t deletes = 0;
  std::uint64_t failed = 0;
};

sdk::write_result ok_result(std::string target_key = {}, std::string hash = {}) {
  sdk::write_result r;
  r.target_key = std::move(target_key);
  r.payload_hash = std::move(hash);
  return r;
}

sdk::write_result failed_result(sdk::write_outcome outcome, std::string reason) {
  sdk::write_result r;
  r.outcome = outcome;
  r.reason = std::move(reason);
  return r;
}

class resource_sink final : public sdk::sink {
 public:
  resource_sink(resource_target target, sdk::context& ctx, sdk::http_client& http,
                sdk::token_provider& tokens)
      : target_(std::move(target)),
        ctx_(ctx),
        http_(http),
        requests_(target_.settings, &tokens),
        journal_(ctx.state(), ctx.log()) {}

  void write(std::span<const sdk::record> records, std::span<sdk::write_result> results) override {
    journal_.begin_call(ctx_.ids());
    const bool replaying = ctx_.replaying();
    // State-based sync: only the last occurrence of a key in the call is written.
    std::unordered_map<std::string_view, std::size_t> last;
    last.reserve(records.size());
    for (std::size_t i = 0; i < records.size(); ++i) last[records[i].key] = i;

    call_counts counts;
    // The mapped payloads of the call: allocated by bumping a pointer, freed all at once when
    // the call returns (declared before `jobs`, which point into it).
    json::monotonic_resource payload_memory;
    const json::storage_ptr payload_storage(&payload_memory);
    std::vector<job> jobs;
    // Never reallocated: requests in flight point at their jobs.
    jobs.reserve(last.size());
    std::vector<std::size_t> job_of(records.size(), SIZE_MAX);
    std::vector<std::string> creating;
    // A large call is planned in four parts (64 records, up to a tenth, up to seven tenths, the
    // rest), and a part's first requests are sent from a helper thread while the next part is
    // planned, so that Campaign is not left idle while the mappings, hashes and id map entries
    // of the whole call are worked out; a part's answers are handled while the next part is
    // sent. Each part's keys are journaled before its requests go out, and one part is in flight
    // at a time (at most `concurrency` requests).
    const bool pipelined = last.size() > 2 * min_first_part;
    const std::size_t part_ends[] = {opening_part, std::max(min_first_part, last.size() / 10),
                                     std::max(min_first_part, last.size() * 7 / 10)};
    std::unique_ptr<round> in_flight;  // before `answers`, whose destructor waits for the send
    std::future<std::vector<sdk::http_exchange>> answers;
    std::size_t unsent = 0;  // the first job whose first request is not sent yet
    const auto send_planned = [&] {
      journal_.record(creating);
      creating.clear();
      std::vector<std::string> journaled;
      auto next =
          std::make_unique<round>(prepare_round(std::span(jobs).subspan(unsent), journaled));
      unsent = jobs.size();
      auto previous = std::move(in_flight);
      std::vector<sdk::http_exchange> previous_answers;
      if (previous) previous_answers = answers.get();
      if (!next->requests.empty()) {
        in_flight = std::move(next);
        answers = std::async(std::launch::async, [this, sending = in_flight.get()] {
          return http_.send_many(sending->requests, target_.settings.concurrency);
        });
      }
      if (previous) finish_round(*previous, previous_answers, counts);
    };
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (last[records[i].key] != i) continue;
      job_of[i] = jobs.size();
      jobs.push_back(plan(records[i], i, replaying, counts, payload_storage));
      const auto& j = jobs.back();
      if (j.what == intent::upsert && (j.next == step::create || j.next == step::lookup)) {
        creating.push_back(j.key);
      }
      if (pipelined && std::find(std::begin(part_ends), std::end(part_ends), jobs.size()) !=
                           std::end(part_ends)) {
        send_planned();
      }
    }
    if (pipelined) {
      send_planned();
      if (in_flight) finish_round(*in_flight, answers.get(), counts);
    } else {
      journal_.record(creating);
    }
    run_rounds(jobs, counts);

    std::vector<std::string> created;
    std::set<std::string> uncertain;
    bool any_retryable = false;
    for (auto& j : jobs) {
      switch (j.result.outcome) {
        case sdk::write_outcome::ok:
          if (j.created) created.push_back(j.key);
          break;
        case sdk::write_outcome::retryable:
          any_retryable = true;
          ++counts.failed;
          // A suspect whose lookup did not complete stays one.
          if (j.maybe_created || j.suspect) uncertain.insert(j.key);
          break;
        case sdk::write_outcome::permanent:
          ++counts.failed;
          break;
      }
      results[j.index] = j.result;
    }
    // Earlier occurrences of a key share the outcome of the last one, without its target key.
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (job_of[i] != SIZE_MAX) continue;
      auto& winner = jobs[job_of[last[records[i].key]]];
      results[i] = failed_result(winner.result.outcome, winner.result.reason);
      // The host erases the id map entry of a remove reported ok; a later upsert of the same
      // key that kept its Campaign record must then state its target key again.
      if (records[i].op == sdk::operation::remove && winner.what == intent::upsert &&
          winner.result.outcome == sdk::write_outcome::ok && winner.result.target_key.empty() &&
          winner.entry && !winner.erased) {
        winner.result.target_key = winner.entry->target_key;
        winner.result.payload_hash = winner.entry->payload_hash;
        results[winner.index] = winner.result;
      }
    }
    journal_.end_call(std::move(created), std::move(uncertain), any_retryable);
    record_metrics(counts);
    if (ctx_.log().enabled(sdk::log_level::debug)) {
      ctx_.log().debug(fmt::format(
          "wrote {} record(s) to {}: {} created, {} updated, {} deleted, {} unchanged, {} "
          "failed, {} request(s)",
          records.size(), target_.mapping.spec().target_resource, counts.creates, counts.updates,
          counts.deletes, counts.skipped, counts.failed, counts.requests));
    }
  }

 private:
  /// Decides what one record needs, from its op, the filters, the payload and the id map.
  job plan(const sdk::record& rec, std::size_t index, bool replaying, call_counts& counts,
           const json::storage_ptr& storage) {
    const auto& spec = target_.mapping.spec();
    job j;
    j.index = index;
    j.key = rec.key;
    j.key_value = rec.key;
    j.suspect = journal_.suspect(rec.key);
    journal_.seen(rec.key);
    if (rec.op == sdk::operation::remove) {
      j.what = intent::remove;
      if (spec.apply_deletes) {
        plan_delete(j);
      } else {
        settle(j, ok_result());
      }
      return j;
    }
    if (!target_.mapping.passes(rec.fields)) {
      j.what = intent::remove_filtered;
      if (spec.delete_filtered_out) {
        plan_delete(j);
        return j;
      }
      ++counts.skipped;
      // The record stays in Campaign as it is: restating its id map entry tells the host it
      // still has a source row (a full pass deletes the records it does not see).
      if (auto entry = ctx_.ids().find(rec.key)) {
        settle(j, ok_result(std::move(entry->target_key), std::move(entry->payload_hash)));
      } else {
        settle(j, ok_result());
      }
      return j;
    }
    std::optional<mapping::target_payload> built;
    try {
      // Constructed in place: assigning would copy the payload out of `storage`.
      built.emplace(target_.mapping.build(rec.fields, rec.key, storage));
    } catch (const mapping::value_error& e) {
      settle(j, failed_result(sdk::write_outcome::permanent, e.what()));
      return j;
    }
    auto& payload = *built;
    if (const auto* v = payload.create.if_contains(target_.key_field); v != nullptr) {
      if (v->is_string()) {
        j.key_value = std::string(v->as_string());
      } else if (v->is_number() || v->is_bool()) {
        j.key_value = json::serialize(*v);
      }
    }
    j.hash = hasher_(payload.update);
    j.replaying = replaying;
    j.entry = ctx_.ids().find(rec.key);
    if (j.entry) {
      if (j.entry->payload_hash == j.hash && !replaying) {
        ++counts.skipped;
        settle(j, ok_result(j.entry->target_key, j.hash));
        return j;
      }
      j.create_payload.emplace(std::move(payload.create));  // a 404 makes the update a create
      j.update_payload.emplace(std::move(payload.update));
      j.pkey = j.entry->target_key;
      j.next = step::update;
      return j;
    }
    // A create, or a lookup then a create or an adopting PATCH: never an update.
    j.create_payload.emplace(std::move(payload.create));
    j.next = j.suspect ? step::lookup : step::create;
    return j;
  }

  void plan_delete(job& j) {
    j.entry = ctx_.ids().find(j.key);
    if (j.entry) {
      j.pkey = j.entry->target_key;
      j.next = step::remove;
      return;
    }
    // Records this route did not create are left alone, unless a create may have happened
    // without reaching the id map.
    if (j.suspect) {
      j.next = step::lookup;
      return;
    }
    settle(j, ok_result());
  }

  static void settle(job& j, sdk::write_result result) {
    j.result = std::move(result);
    j.next = step::done;
  }

  std::string record_url(std::string_view pkey) const {
    return target_.collection_url + "/" + std::string(pkey);
  }

  /// The payload without the key field, as an adopting PATCH sends it.
  std::string adopt_body(const job& j) const {
    json::object payload = *j.create_payload;
    payload.erase(target_.key_field);
    return json::serialize(payload);
  }

  sdk::http_request request_for(const job& j) const {
    switch (j.next) {
      case step::lookup:
        return requests_.make("GET", target_.collection_url + "/" + target_.key_filter.name + "?" +
                                         target_.key_filter.parameter + "=" +
                                         percent_encode(j.key_value));
      case step::create:
        return requests_.make("POST", target_.collection_url, json::serialize(*j.create_payload));
      case step::update:
        return requests_.make("PATCH", record_url(j.pkey),
                              j.replaying ? adopt_body(j) : json::serialize(*j.update_payload));
      case step::adopt:
        return requests_.make("PATCH", record_url(j.pkey), adopt_body(j));
      case step::remove:
        return requests_.make("DELETE", record_url(j.pkey));
      case step::done:
        break;
    }
    return {};
  }

  /// One round of requests: the next request of each unfinished job, and whose it is.
  struct round {
    std::vector<sdk::http_request> requests;
    std::vector<job*> sent;
  };

  /// The next request of every unfinished job of `jobs`; a job that used up its requests is
  /// given up. `creates` gets the keys the round would POST.
  round prepare_round(std::span<job> jobs, std::vector<std::string>& creates) {
    round r;
    for (auto& j : jobs) {
      if (j.next == step::done) continue;
      if (j.requests >= max_requests_per_record) {
        settle(j, failed_result(sdk::write_outcome::retryable,
                                fmt::format("gave up after {} requests for one record: {}",
                                            j.requests, j.last_failure)));
        continue;
      }
      if (j.next == step::create) creates.push_back(j.key);
      ++j.requests;
      r.requests.push_back(request_for(j));
      r.sent.push_back(&j);
    }
    return r;
  }

  void finish_round(const round& r, const std::vector<sdk::http_exchange>& exchanges,
                    call_counts& counts) {
    counts.requests += r.requests.size();
    for (std::size_t k = 0; k < r.sent.size(); ++k) {
      if (k >= exchanges.size()) {
        fail(*r.sent[k], sdk::write_outcome::retryable,
             fmt::format("{} {}: the HTTP client returned no outcome", r.requests[k].method,
                         url_path(r.requests[k].url)));
        continue;
      }
      handle(*r.sent[k], r.requests[k], exchanges[k], counts);
    }
  }

  /// Sends the next request of every unfinished job, concurrently, until all are finished.
  void run_rounds(std::vector<job>& jobs, call_counts& counts) {
    for (;;) {
      std::vector<std::string> creates;
      const round r = prepare_round(jobs, creates);
      if (r.requests.empty()) return;
      // Every key is journaled before its POST; this writes only when a later round creates a
      // key the first did not plan to (a PATCH that found its record gone).
      if (!creates.empty()) journal_.record(creates);
      finish_round(r, http_.send_many(r.requests, target_.settings.concurrency), counts);
    }
  }

  void fail(job& j, sdk::write_outcome outcome, std::string reason) {
    j.last_failure = reason;
    settle(j, failed_result(outcome, std::move(reason)));
  }

  void fail(job& j, const sdk::http_request& request, const sdk::http_exchange& exchange,
            answer kind) {
    fail(j,
         kind == answer::permanent ? sdk::write_outcome::permanent : sdk::write_outcome::retryable,
         describe_failure(request, exchange));
  }

  void handle(job& j, const sdk::http_request& request, const sdk::http_exchange& exchange,
              call_counts& counts) {
    const auto kind = classify(exchange);
    if (kind != answer::ok) j.last_failure = describe_failure(request, exchange);
    switch (j.next) {
      case step::lookup:
        return handle_lookup(j, request, exchange, kind);
      case step::create:
        return handle_create(j, request, exchange, kind, counts);
      case step::update:
      case step::adopt:
        return handle_update(j, request, exchange, kind, counts);
      case step::remove:
        return handle_remove(j, request, exchange, kind, counts);
      case step::done:
        return;
    }
  }

  void handle_lookup(job& j, const sdk::http_request& request, const sdk::http_exchange& exchange,
                     answer kind) {
    if (kind == answer::not_found) {
      // The key filter is gone: nothing a retry fixes.
      return fail(j, request, exchange, answer::permanent);
    }
    if (kind != answer::ok) {
      return fail(j, request, exchange,
                  kind == answer::permanent ? answer::permanent : answer::retryable);
    }
    boost::system::error_code ec;
    const auto doc = json::parse(exchange.response.body, ec);
    const json::value* content = nullptr;
    if (!ec && doc.is_object()) content = doc.as_object().if_contains("content");
    if (content == nullptr || !content->is_array()) {
      return fail(
          j, sdk::write_outcome::retryable,
          fmt::format("GET {} answered {} without a \"content\" array: {}", url_path(request.url),
                      exchange.response.status_code, snippet(exchange.response.body)));
    }
    std::string found;
    for (const auto& row : content->as_array()) {
      const auto* pkey = row.is_object() ? row.as_object().if_contains("PKey") : nullptr;
      if (pkey != nullptr && pkey->is_string() && !pkey->as_string().empty()) {
        found = std::string(pkey->as_string());
        break;
      }
    }
    j.suspect = false;
    if (j.what != intent::upsert) {
      if (found.empty()) return settle(j, ok_result());
      j.pkey = std::move(found);
      j.next = step::remove;
      return;
    }
    if (!found.empty()) {
      j.pkey = std::move(found);
      j.next = step::adopt;
      return;
    }
    if (j.after_duplicate) {
      // Campaign refused the create as a duplicate but the key filter finds nothing: the
      // duplicate is on another key, or the filter does not see the record.
      return fail(j, sdk::write_outcome::retryable,
                  fmt::format("POST {} was refused as a duplicate key, but GET {} finds no "
                              "record with {} {}",
                              url_path(target_.collection_url), url_path(request.url),
                              target_.key_field, j.key_value));
    }
    j.next = step::create;
  }

  void handle_create(job& j, const sdk::http_request& request, const sdk::http_exchange& exchange,
                     answer kind, call_counts& counts) {
    switch (kind) {
      case answer::ok: {
        auto pkey = top_level_pkey(exchange.response.body);
        if (!pkey || pkey->empty()) {
          // The record may exist now: the next attempt looks it up first.
          j.maybe_created = true;
          return fail(j, sdk::write_outcome::retryable,
                      fmt::format("POST {} answered {} without a PKey: {}", url_path(request.url),
                                  exchange.response.status_code, snippet(exchange.response.body)));
        }
        ++counts.creates;
        j.created = true;
        j.maybe_created = false;
        return settle(j, ok_result(std::move(*pkey), j.hash));
      }
      case answer::duplicate_key:
        // Already there (created by a run whose id map entry was lost, or by someone else
        // with our key): look it up and update it.
        j.after_duplicate = true;
        j.next = step::lookup;
        return;
      case answer::retryable:
        j.maybe_created = true;
        return fail(j, request, exchange, kind);
      case answer::not_found:
        return fail(j, request, exchange, answer::permanent);
      case answer::permanent:
        return fail(j, request, exchange, kind);
    }
  }

  void handle_update(job& j, const sdk::http_request& request, const sdk::http_exchange& exchange,
                     answer kind, call_counts& counts) {
    if (kind == answer::ok) {
      ++counts.updates;
      if (j.next == step::adopt) j.created = true;
      return settle(j, ok_result(j.pkey, j.hash));
    }
    if (kind == answer::not_found) {
      // Deleted in Campaign since we wrote it: create it again.
      j.pkey.clear();
      j.next = step::create;
      return;
    }
    fail(j, request, exchange, kind == answer::duplicate_key ? answer::permanent : kind);
  }

  void handle_remove(job& j, const sdk::http_request& request, const sdk::http_exchange& exchange,
                     answer kind, call_counts& counts) {
    if (kind != answer::ok && kind != answer::not_found) return fail(j, request, exchange, kind);
    if (kind == answer::ok) ++counts.deletes;
    if (j.what == intent::remove_filtered) {
      ctx_.ids().erase(j.key);
      j.erased = true;
    }
    settle(j, ok_result());
  }

  void record_metrics(const call_counts& c) {
    auto& m = ctx_.metrics();
    if (c.requests > 0) m.add("campaign_requests_total", static_cast<double>(c.requests));
    if (c.skipped > 0) m.add("writes_skipped_total", static_cast<double>(c.skipped));
    if (c.creates > 0) m.add("creates_total", static_cast<double>(c.creates));
    if (c.updates > 0) m.add("updates_total", static_cast<double>(c.updates));
    if (c.deletes > 0) m.add("deletes_total", static_cast<double>(c.deletes));
  }

  resource_target target_;
  sdk::context& ctx_;
  sdk::http_client& http_;
  request_builder requests_;
  create_journal journal_;
  mapping::payload_hasher hasher_;  ///< plan() runs on the calling thread only
};

}  // namespace

std::unique_ptr<sdk::sink> make_resource_writer(resource_target target, sdk::context& ctx,
                                                sdk::http_client& http,
                                                sdk::token_provider& tokens) {
  return std::make_unique<resource_sink>(std::move(target), ctx, http, tokens);
}

}  // namespace switchboard::campaign
