// Deterministic marketing contacts for the Dataverse emulator's seed_contacts.
#include "sandbox/dataverse/contact_seed.hpp"

#include "sandbox/dataverse/cell_values.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <array>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

namespace switchboard::sandbox::dataverse {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 24> first_names = {
    "Ana",   "Ben",   "Chloe", "David", "Elena", "Farid", "Grace", "Hugo",
    "Ines",  "Jonas", "Kara",  "Liam",  "Maya",  "Noah",  "Olga",  "Pedro",
    "Quinn", "Rosa",  "Sven",  "Tara",  "Umar",  "Vera",  "Wen",   "Yusuf"};
constexpr std::array<std::string_view, 24> last_names = {
    "Garcia", "Smith",   "Nguyen", "Muller", "Rossi",  "Kowalski", "Silva", "Dubois",
    "Tanaka", "Ivanova", "Brown",  "Jensen", "Okafor", "Haddad",   "Novak", "Larsen",
    "Moreau", "Fischer", "Costa",  "Patel",  "Kim",    "Yilmaz",   "Weber", "Santos"};
constexpr std::array<std::string_view, 8> cities = {"Paris",   "Berlin",  "Madrid", "Lisbon",
                                                    "Seattle", "Toronto", "Osaka",  "Milan"};

std::string lower(std::string_view text) { return lowercase(text); }

}  // namespace

void seed_contacts(dataverse_store& store, table_store& contacts, std::size_t count,
                   std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto& definition = contacts.definition();
  auto index_of = [&](std::string_view name) { return contacts.column_index(name); };
  const int first = index_of("firstname");
  const int last = index_of("lastname");
  const int email = index_of("emailaddress1");
  const int donotemail = index_of("donotemail");
  const int donotbulkemail = index_of("donotbulkemail");
  const int donotsendmm = index_of("donotsendmm");
  const int followemail = index_of("followemail");
  const int state = index_of("statecode");
  const int status = index_of("statuscode");
  const int gender = index_of("gendercode");
  const int birthdate = index_of("birthdate");
  const int city = index_of("address1_city");
  const int phone = index_of("telephone1");
  for (std::size_t i = 0; i < count; ++i) {
    const auto id = random_guid(rng);
    const auto f = first_names[rng() % first_names.size()];
    const auto l = last_names[rng() % last_names.size()];
    const auto roll = rng() % 1000;
    const bool tagged = roll % 40 == 0;
    const bool inactive = rng() % 20 == 0;
    std::vector<std::pair<int, json::value>> cells;
    auto set = [&](int index, json::value value) {
      if (index >= 0) cells.emplace_back(index, std::move(value));
    };
    set(first, json::string(f));
    set(last, json::string(l));
    set(email, json::string(fmt::format("{}.{}{}.{}.{}@example.com", lower(f), lower(l),
                                        tagged ? "+news" : "", seed, i)));
    set(donotemail, rng() % 20 == 0);
    set(donotbulkemail, rng() % 10 == 0);
    set(donotsendmm, rng() % 20 == 0);
    set(followemail, rng() % 20 != 0);
    set(state, inactive ? 1 : 0);
    set(status, inactive ? 2 : 1);
    const auto g = rng() % 3;
    set(gender, g == 0 ? json::value(nullptr) : json::value(static_cast<std::int64_t>(g)));
    const auto born =
        static_cast<std::int64_t>(-631152000 + static_cast<std::int64_t>(rng() % 1735689600));
    set(birthdate, json::string(iso_date(born)));
    set(city, json::string(cities[rng() % cities.size()]));
    set(phone, json::string(fmt::format("+1 555 01{:02}", rng() % 100)));
    if (contacts.find(id) != nullptr) {
      store.update(contacts, id, cells);
      continue;
    }
    std::vector<json::value> row(definition.columns.size());
    for (auto& [index, value] : cells) row[static_cast<std::size_t>(index)] = std::move(value);
    store.insert(contacts, id, std::move(row));
  }
}

}  // namespace switchboard::sandbox::dataverse
