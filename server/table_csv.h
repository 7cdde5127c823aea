// ?format=csv (issue 22): a table-like JSON document - an array of objects, or an object holding
// one (observations, regimes) - as RFC 4180 CSV with one header line; nested objects become
// dotted columns (probabilities.RISK_ON), arrays of scalars a space-separated cell. Encoded from
// the document a handler built, never from its JSON text read back (issue 23).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace mre::server {

// InvalidArgument "this endpoint's answer is not a table" when there is no array to tabulate.
// Columns in the order of their first appearance, each object's keys in byte order (as
// nlohmann::json holds them), so both document types give the same CSV for the same content; a
// number that is not finite is an empty cell, as the JSON text's null.
std::string table_to_csv(const nlohmann::json& document);
std::string table_to_csv(const nlohmann::ordered_json& document);

}  // namespace mre::server
