// Opt-out sync end to end: the routes of config/templates/opt-out-*.json (dynamics365.table and
// opt-out.campaign_changes into opt-out.consent) with the templates' connections, against the
// sandbox's Dataverse, Campaign, Entra ID and IMS over HTTPS. Each case gives each side's
// change a chosen time (the sandbox's data clock), runs the routes, and checks the final value
// on both sides, then that another round writes nothing (no echo, no ping-pong).
#include "opt_out_world.hpp"
#include "sandbox/optout_schema.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace switchboard::test {
namespace {

namespace json = boost::json;
namespace sbx = switchboard::sandbox;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

const std::string contact_id = "6d1c9a52-7f3e-4b8a-9c21-0a5e4d3b2c10";
const std::string other_id = "7e2d0b63-8a4f-4c9b-8d32-1b6f5e4c3d21";
/// A whole second: Dataverse's modifiedon has no fractions.
const auto t0 = std::chrono::sys_days(std::chrono::year{2026} / 3 / 1) + 10h;

/// One thing happening at a second after t0: "d=1"/"d=0" (a person sets donotemail),
/// "c=1"/"c=0" (blackListEmail), "d~" (an unrelated edit of the contact), "run:d" / "run:c"
/// (one run of the Dynamics / Campaign route).
struct step {
  int at;
  std::string what;
};

struct sync_case {
  std::string name;
  std::string mode;  ///< the template's mode, or "disabled" (bidirectional routes, mode disabled)
  bool initial_d;
  bool initial_c;
  std::vector<step> steps;
  bool final_d;
  bool final_c;
};

void PrintTo(const sync_case& c, std::ostream* os) { *os << c.name; }

// name, mode, initial Dynamics, initial Campaign, steps, final Dynamics, final Campaign
// clang-format off
const std::vector<sync_case> cases{
    {"bidirectional_dynamics_newer_opts_out", "bidirectional",
     false, false, {{10, "d=1"}}, true, true},
    {"bidirectional_dynamics_newer_cannot_clear_campaign", "bidirectional",
     true, true, {{10, "d=0"}}, true, true},
    {"bidirectional_campaign_newer_clears", "bidirectional",
     true, true, {{10, "c=0"}}, false, false},
    {"bidirectional_campaign_newer_opts_out", "bidirectional",
     false, false, {{10, "c=1"}}, true, true},
    // Created at the same second on both sides: the initial load decides at equal times.
    {"bidirectional_equal_times_dynamics_true_wins", "bidirectional",
     true, false, {}, true, true},
    {"bidirectional_equal_times_campaign_true_wins", "bidirectional",
     false, true, {}, true, true},
    {"bidirectional_equal_times_both_false", "bidirectional",
     false, false, {}, false, false},
    {"bidirectional_equal_times_both_true", "bidirectional",
     true, true, {}, true, true},
    {"bidirectional_both_changed_campaign_later", "bidirectional",
     true, true, {{10, "d~"}, {20, "c=0"}}, false, false},
    {"bidirectional_both_changed_dynamics_later", "bidirectional",
     true, true, {{10, "c=0"}, {20, "d=0"}}, false, false},
    // The original's rule: any edit of the contact makes Dynamics newer.
    {"bidirectional_unrelated_dynamics_edit_makes_it_newer", "bidirectional",
     true, true, {{10, "c=0"}, {20, "d~"}}, true, true},
    // Campaign's REST API gives values, not their history: a flip and back between two polls
    // leaves the attribute as it was, so it is no Campaign change and opt-out wins.
    {"bidirectional_campaign_flip_between_polls_is_no_change", "bidirectional",
     false, false, {{10, "d=1"}, {20, "c=1"}, {30, "c=0"}}, true, true},
    // The host writes donotemail = true at 20 s (from Campaign's change at 10 s); a person clears
    // blackListEmail at 15 s. The write coming back through change tracking is the host's own,
    // not a newer Dynamics change: Campaign's clear holds.
    {"bidirectional_echo_of_own_write_is_not_a_change", "bidirectional",
     false, false, {{10, "c=1"}, {20, "run:c"}, {15, "c=0"}}, false, false},
    {"bidirectional_own_write_then_person_in_dynamics", "bidirectional",
     false, false, {{10, "c=1"}, {20, "run:c"}, {30, "d=0"}}, true, true},
    {"dynamics_to_campaign_copies_opt_out", "dynamics_to_campaign",
     false, false, {{10, "d=1"}}, true, true},
    {"dynamics_to_campaign_initial_load_reconciles", "dynamics_to_campaign",
     true, false, {}, true, true},
    {"dynamics_to_campaign_ignores_campaign_changes", "dynamics_to_campaign",
     true, true, {{10, "c=0"}}, true, false},
    {"dynamics_to_campaign_next_dynamics_change_overwrites", "dynamics_to_campaign",
     true, true, {{10, "c=0"}, {20, "d~"}}, true, true},
    {"campaign_to_dynamics_copies_opt_out", "campaign_to_dynamics",
     false, false, {{10, "c=1"}}, true, true},
    {"campaign_to_dynamics_keeps_manual_dynamics_edit", "campaign_to_dynamics",
     true, true, {{10, "d=0"}}, false, true},
    {"campaign_to_dynamics_next_campaign_change_overwrites", "campaign_to_dynamics",
     true, true, {{10, "d=0"}, {20, "c=0"}, {30, "c=1"}}, true, true},
    {"disabled_writes_nothing", "disabled",
     false, false, {{10, "d=1"}, {20, "c=0"}}, true, false},
};
// clang-format on

class OptOutSync : public ::testing::TestWithParam<sync_case> {
 protected:
  /// The routes of the mode's template; "disabled": the bidirectional ones set to disabled.
  void configure(const std::string& mode) {
    std::string file = mode == "disabled" ? std::string("bidirectional") : mode;
    for (auto& c : file) c = c == '_' ? '-' : c;
    json::array kept;
    for (auto& r : sbx::opt_out_routes(template_dir(), file)) {
      auto& route = r.as_object();
      if (route.at("id") == "opt-out-exports") continue;  // consent_sink_test has the files
      route["error_policy"] = json::object{{"max_attempts", 3},
                                           {"initial_backoff", "10ms"},
                                           {"max_backoff", "50ms"},
                                           {"on_permanent", "dead_letter"}};
      if (mode == "disabled") {
        route["sink"].as_object()["config"].as_object()["mode"] = "disabled";
      }
      route_ids_.emplace_back(route.at("id").as_string());
      kept.push_back(std::move(r));
    }
    world_.configure(std::move(kept));
  }

  void run(std::string_view id) {
    if (std::find(route_ids_.begin(), route_ids_.end(), id) == route_ids_.end()) return;
    const auto outcome = world_.run(id);
    EXPECT_EQ(outcome.status, host::run_status::succeeded) << id << ": " << outcome.message << "\n"
                                                           << world_.host().log_text();
    EXPECT_EQ(outcome.counts.dead_lettered, 0u) << id << "\n" << world_.host().log_text();
  }

  void at(int seconds) { world_.box().freeze_clock(t0 + std::chrono::seconds(seconds)); }

  opt_out_world world_;
  std::vector<std::string> route_ids_;
};

TEST_P(OptOutSync, EndsWithTheExpectedValueOnBothSides) {
  const auto& c = GetParam();
  configure(c.mode);
  at(0);
  world_.create(contact_id, c.initial_d, c.initial_c);
  world_.create(other_id, false, false);  // a bystander: never written
  at(1);
  run("opt-out-dynamics");  // initial load: every contact against its profile
  run("opt-out-campaign");  // starts at the latest change
  for (const auto& s : c.steps) {
    at(s.at);
    if (s.what == "d=1" || s.what == "d=0") {
      world_.set_dynamics(contact_id, json::object{{"donotemail", s.what == "d=1"}});
    } else if (s.what == "c=1" || s.what == "c=0") {
      world_.set_campaign(contact_id, json::object{{"blackListEmail", s.what == "c=1"}});
    } else if (s.what == "d~") {
      world_.set_dynamics(contact_id,
                          json::object{{"jobtitle", fmt::format("edited at {}", s.at)}});
    } else if (s.what == "run:d") {
      run("opt-out-dynamics");
    } else if (s.what == "run:c") {
      run("opt-out-campaign");
    } else {
      FAIL() << "unknown step " << s.what;
    }
  }
  at(100);
  run("opt-out-dynamics");
  run("opt-out-campaign");
  EXPECT_EQ(world_.dynamics_value(contact_id), c.final_d) << world_.host().log_text();
  EXPECT_EQ(world_.campaign_value(contact_id), c.final_c) << world_.host().log_text();
  // The other pairs and the bystander are untouched.
  EXPECT_FALSE(world_.dynamics_value(contact_id, "donotphone"));
  EXPECT_FALSE(world_.campaign_value(contact_id, "blackListPhone"));
  EXPECT_FALSE(world_.dynamics_value(other_id));
  EXPECT_FALSE(world_.campaign_value(other_id));
  // Another round: the host's own writes come back through both routes and change nothing.
  const auto before = world_.writes();
  at(200);
  run("opt-out-dynamics");
  run("opt-out-campaign");
  at(300);
  run("opt-out-dynamics");
  run("opt-out-campaign");
  EXPECT_EQ(world_.writes(), before) << world_.host().log_text();
  EXPECT_EQ(world_.dynamics_value(contact_id), c.final_d);
  EXPECT_EQ(world_.campaign_value(contact_id), c.final_c);
}

INSTANTIATE_TEST_SUITE_P(Cases, OptOutSync, ::testing::ValuesIn(cases),
                         [](const auto& test) { return test.param.name; });

}  // namespace
}  // namespace switchboard::test
