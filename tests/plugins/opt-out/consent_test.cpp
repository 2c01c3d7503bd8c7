// The opt-out decision table: every mode, Dynamics newer, Campaign newer, equal times with each
// combination of values, both changed, echoes of the host's own writes, and clock skew.
#include "consent.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace switchboard::optout {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

const time_point t0 = time_point{} + 1'700'000'000s;

struct row {
  std::string name;
  sync_mode mode;
  side_value dynamics;
  side_value campaign;
  std::optional<host_write> wrote_dynamics;
  std::optional<host_write> wrote_campaign;
  std::optional<bool> to_dynamics;  ///< expected
  std::optional<bool> to_campaign;  ///< expected
  /// The final value on both sides after the writes (nullopt: they may differ, as in disabled).
  std::optional<bool> final_both;
};

const std::vector<row>& table() {
  static const std::vector<row> rows{
      {"disabled writes nothing",
       sync_mode::disabled,
       {true, t0 + 1s},
       {false, t0},
       {},
       {},
       std::nullopt,
       std::nullopt,
       std::nullopt},
      {"dynamics_to_campaign copies an opt-out",
       sync_mode::dynamics_to_campaign,
       {true, t0},
       {false, t0 + 1s},
       {},
       {},
       std::nullopt,
       true,
       true},
      {"dynamics_to_campaign clears it too, even when Campaign is newer",
       sync_mode::dynamics_to_campaign,
       {false, t0},
       {true, t0 + 9s},
       {},
       {},
       std::nullopt,
       false,
       false},
      {"dynamics_to_campaign writes nothing when equal",
       sync_mode::dynamics_to_campaign,
       {true, t0},
       {true, t0},
       {},
       {},
       std::nullopt,
       std::nullopt,
       true},
      {"campaign_to_dynamics overwrites a manual Dynamics edit",
       sync_mode::campaign_to_dynamics,
       {false, t0 + 9s},
       {true, t0},
       {},
       {},
       true,
       std::nullopt,
       true},
      {"campaign_to_dynamics clears it",
       sync_mode::campaign_to_dynamics,
       {true, t0},
       {false, t0 + 1s},
       {},
       {},
       false,
       std::nullopt,
       false},
      {"bidirectional, Campaign newer: its false holds",
       sync_mode::bidirectional,
       {true, t0},
       {false, t0 + 1s},
       {},
       {},
       false,
       std::nullopt,
       false},
      {"bidirectional, Campaign newer: its true holds",
       sync_mode::bidirectional,
       {false, t0},
       {true, t0 + 1s},
       {},
       {},
       true,
       std::nullopt,
       true},
      {"bidirectional, Dynamics newer with true: true",
       sync_mode::bidirectional,
       {true, t0 + 1s},
       {false, t0},
       {},
       {},
       std::nullopt,
       true,
       true},
      {"bidirectional, Dynamics newer with false cannot clear Campaign's true",
       sync_mode::bidirectional,
       {false, t0 + 1s},
       {true, t0},
       {},
       {},
       true,
       std::nullopt,
       true},
      {"bidirectional, equal times, true/false: true",
       sync_mode::bidirectional,
       {true, t0},
       {false, t0},
       {},
       {},
       std::nullopt,
       true,
       true},
      {"bidirectional, equal times, false/true: true",
       sync_mode::bidirectional,
       {false, t0},
       {true, t0},
       {},
       {},
       true,
       std::nullopt,
       true},
      {"bidirectional, equal times, true/true: nothing to write",
       sync_mode::bidirectional,
       {true, t0},
       {true, t0},
       {},
       {},
       std::nullopt,
       std::nullopt,
       true},
      {"bidirectional, equal times, false/false: nothing to write",
       sync_mode::bidirectional,
       {false, t0},
       {false, t0},
       {},
       {},
       std::nullopt,
       std::nullopt,
       false},
      {"bidirectional, both changed, Campaign later: Campaign's false",
       sync_mode::bidirectional,
       {true, t0 + 5s},
       {false, t0 + 6s},
       {},
       {},
       false,
       std::nullopt,
       false},
      {"bidirectional, both changed, Dynamics later: either true wins",
       sync_mode::bidirectional,
       {false, t0 + 7s},
       {true, t0 + 6s},
       {},
       {},
       true,
       std::nullopt,
       true},
      // We propagated Campaign's true to Dynamics at t0+10s: Dynamics' modifiedon is ours.
      {"bidirectional, echo of our Dynamics write does not make Dynamics newer",
       sync_mode::bidirectional,
       {true, t0 + 10s},
       {false, t0 + 20s},
       host_write{true, t0 + 10s},
       {},
       false,
       std::nullopt,
       false},
      {"bidirectional, echo of our Campaign write: a person's later Dynamics false is newer but "
       "cannot clear a true (the original's asymmetry)",
       sync_mode::bidirectional,
       {false, t0 + 30s},
       {true, t0 + 31s},
       {},
       host_write{true, t0 + 31s},
       true,
       std::nullopt,
       true},
      {"bidirectional, our write echoed on both sides: nothing to write",
       sync_mode::bidirectional,
       {true, t0 + 10s},
       {true, t0 + 11s},
       host_write{true, t0 + 10s},
       host_write{true, t0 + 11s},
       std::nullopt,
       std::nullopt,
       true},
      {"bidirectional, a change after our write is no echo",
       sync_mode::bidirectional,
       {true, t0 + 60s},
       {false, t0 + 40s},
       host_write{true, t0 + 10s},
       {},
       std::nullopt,
       true,
       true},
      {"bidirectional, within the clock skew it is still our write",
       sync_mode::bidirectional,
       {true, t0 + 13s},
       {false, t0 + 12s},
       host_write{true, t0 + 10s},
       {},
       false,
       std::nullopt,
       false},
  };
  return rows;
}

TEST(OptOutDecision, TheTable) {
  ASSERT_GE(table().size(), 12u);
  for (const auto& r : table()) {
    SCOPED_TRACE(r.name);
    const auto d = resolve(r.mode, r.dynamics, r.campaign, r.wrote_dynamics, r.wrote_campaign);
    EXPECT_EQ(d.to_dynamics, r.to_dynamics);
    EXPECT_EQ(d.to_campaign, r.to_campaign);
    EXPECT_FALSE(d.reason.empty());
    if (r.final_both) {
      EXPECT_EQ(d.to_dynamics.value_or(r.dynamics.value), *r.final_both);
      EXPECT_EQ(d.to_campaign.value_or(r.campaign.value), *r.final_both);
    }
  }
}

TEST(OptOutDecision, TheReasonNamesTheValuesTimesAndRule) {
  const auto d =
      resolve(sync_mode::bidirectional, {false, t0 + 1s}, {true, t0}, {}, host_write{true, t0});
  EXPECT_THAT(d.reason, HasSubstr("Dynamics false (changed 2023-11-14T22:13:21.000Z)"));
  EXPECT_THAT(d.reason,
              HasSubstr("Campaign true (changed 2023-11-14T22:13:20.000Z, our own write)"));
  EXPECT_THAT(d.reason, HasSubstr("opt-out wins if either side has it: true"));
  EXPECT_THAT(resolve(sync_mode::disabled, {}, {}, {}, {}).reason, HasSubstr("disabled"));
}

TEST(OptOutDecision, EchoNeedsTheSameValueAndNoLaterChange) {
  const host_write wrote{true, t0};
  EXPECT_TRUE(is_echo({true, t0}, wrote, 5s));
  EXPECT_TRUE(is_echo({true, t0 + 5s}, wrote, 5s));
  EXPECT_FALSE(is_echo({true, t0 + 6s}, wrote, 5s));
  EXPECT_FALSE(is_echo({false, t0}, wrote, 5s));
  EXPECT_FALSE(is_echo({true, t0}, std::nullopt, 5s));
}

TEST(OptOutDecision, ModesParseFromTheirNames) {
  for (const auto m : {sync_mode::disabled, sync_mode::dynamics_to_campaign,
                       sync_mode::campaign_to_dynamics, sync_mode::bidirectional}) {
    EXPECT_EQ(parse_sync_mode(to_string(m)), m);
  }
  EXPECT_FALSE(parse_sync_mode("both").has_value());
}

}  // namespace
}  // namespace switchboard::optout
