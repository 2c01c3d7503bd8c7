// Deterministic marketing contacts for the Dataverse emulator's seed_contacts.
#pragma once

#include "sandbox/dataverse/dataverse_store.hpp"

#include <cstddef>
#include <cstdint>

namespace switchboard::sandbox::dataverse {

/// Adds `count` contacts generated from `seed` (names, e-mails — some with '+' —, do-not
/// flags, state, gender, birth date, city). The same seed gives the same ids and values; a
/// contact whose id already exists is updated instead.
void seed_contacts(dataverse_store& store, table_store& contacts, std::size_t count,
                   std::uint64_t seed);

}  // namespace switchboard::sandbox::dataverse
