// The consent document (what the host wrote, Campaign attribute values and since when) and the
// timestamp forms of both services.
#include "consent_state.hpp"
#include "memory_kv.hpp"
#include "timestamps.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace switchboard::optout {
namespace {

using namespace std::chrono_literals;
using test::memory_kv;

const time_point t0 = std::chrono::sys_days(std::chrono::year{2026} / 3 / 1) + 9h;

TEST(Timestamps, ReadsBothServicesFormsAndRefusesOthers) {
  EXPECT_EQ(parse_timestamp("2026-03-01T09:00:00Z"), t0);
  EXPECT_EQ(parse_timestamp("2026-03-01 09:00:00.250Z"), t0 + 250ms);
  EXPECT_EQ(parse_timestamp("2026-03-01T10:30:00+01:30"), t0);
  EXPECT_EQ(parse_timestamp("2026-03-01T09:00:00.1234567Z"), t0 + 123ms);
  for (const auto* bad :
       {"", "2026-03-01", "2026-02-30T09:00:00Z", "2026-03-01T24:00:00Z", "2026-03-01T09:00:00",
        "2026-03-01T09:00:00.Z", "2026-03-01T09:00:00Zx", "yesterday"}) {
    EXPECT_FALSE(parse_timestamp(bad).has_value()) << bad;
  }
  EXPECT_EQ(iso_millis(t0 + 7ms), "2026-03-01T09:00:00.007Z");
}

TEST(ConsentRecord, ACampaignValueFirstSeenHasNoAgeUntilItChanges) {
  memory_kv kv;
  consent_record r(kv, "c1");
  auto a = r.observe("blackListEmail", false, t0);
  EXPECT_FALSE(a.changed_at.has_value());
  EXPECT_FALSE(a.changed);
  // The profile moved (another field): the attribute did not change, its age stays unknown.
  a = r.observe("blackListEmail", false, t0 + 10s);
  EXPECT_FALSE(a.changed_at.has_value());
  EXPECT_FALSE(a.changed);
  // Now it changed: at the profile's lastModified of this observation; later sightings keep it.
  a = r.observe("blackListEmail", true, t0 + 20s);
  EXPECT_TRUE(a.changed);
  EXPECT_EQ(a.changed_at, t0 + 20s);
  a = r.observe("blackListEmail", true, t0 + 30s);
  EXPECT_FALSE(a.changed);
  EXPECT_EQ(a.changed_at, t0 + 20s);
  r.save();
  // Persisted: another record object of the same contact knows it.
  consent_record again(kv, "c1");
  EXPECT_EQ(again.observe("blackListEmail", true, t0 + 40s).changed_at, t0 + 20s);
}

TEST(ConsentRecord, AnExportLineCarriesItsOwnTimeAndOlderOnesAreStale) {
  memory_kv kv;
  consent_record r(kv, "c1");
  auto a = r.observe("blackListFax", true, t0 + 50s, t0 + 5s);
  EXPECT_TRUE(a.changed);
  EXPECT_EQ(a.changed_at, t0 + 5s);
  a = r.observe("blackListFax", false, t0 + 50s, t0 + 3s);
  EXPECT_TRUE(a.stale);
  EXPECT_TRUE(a.value);                                    // what is known holds
  a = r.observe("blackListFax", true, t0 + 50s, t0 + 5s);  // the same line again
  EXPECT_FALSE(a.stale);
  EXPECT_FALSE(a.changed);
}

TEST(ConsentRecord, RemembersWritesAndTreatsTheRecordTimeOfTheLastWriteAsAnEcho) {
  memory_kv kv;
  {
    consent_record r(kv, "c1");
    r.remember_write(side::dynamics, {{"donotemail", true}}, t0 + 10s);
    r.remember_write(side::campaign, {{"blackListEmail", true}}, t0 + 11s);
    r.save();
  }
  const int puts = kv.puts;
  consent_record r(kv, "c1");
  EXPECT_EQ(r.wrote(side::dynamics, "donotemail")->at, t0 + 10s);
  EXPECT_TRUE(r.wrote(side::campaign, "blackListEmail")->value);
  EXPECT_FALSE(r.wrote(side::dynamics, "donotphone").has_value());
  // The write of donotemail moved modifiedon to t0 + 10 s: for donotphone, that time is the
  // host's doing too.
  const auto basis = r.echo_basis(side::dynamics, "donotphone", {false, t0 + 10s}, true, 1s);
  ASSERT_TRUE(basis.has_value());
  EXPECT_TRUE(is_echo({false, t0 + 10s}, basis, 1s));
  // A person's later edit is not.
  EXPECT_FALSE(is_echo({false, t0 + 20s},
                       r.echo_basis(side::dynamics, "donotphone", {false, t0 + 20s}, true, 1s),
                       1s));
  // A Campaign write is known as the attribute's value from then on.
  EXPECT_EQ(r.observe("blackListEmail", true, t0 + 30s).changed_at, t0 + 11s);
  r.save();  // nothing changed: nothing written
  EXPECT_EQ(kv.puts, puts);
}

}  // namespace
}  // namespace switchboard::optout
