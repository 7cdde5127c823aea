// See table_csv.h.
#include "server/table_csv.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "mre/core/error.h"

namespace mre::server {
namespace {

using nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

// A scalar as its JSON text would read back: a float that is not finite was written as null.
bool null_like(const json& v) {
  return v.is_null() || (v.is_number_float() && !std::isfinite(v.get<double>()));
}

void flatten(const json& value, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>& out) {
  for (const auto& [key, v] : value.items()) {
    const std::string name = prefix + key;
    if (v.is_object()) {
      flatten(v, name + ".", out);
    } else if (v.is_array()) {
      std::string cell;
      for (const auto& x : v)
        cell += (cell.empty() ? "" : " ") + (x.is_string() ? x.get<std::string>() : dump(x));
      out.emplace_back(name, cell);
    } else if (v.is_string()) {
      out.emplace_back(name, v.get<std::string>());
    } else {
      out.emplace_back(name, null_like(v) ? "" : dump(v));
    }
  }
}

// The same content as nlohmann::json, whose objects keep their keys in byte order: what the
// ordered document's JSON text parses to (a non-finite number stays one; null_like reads it).
json sorted(const nlohmann::ordered_json& v) {
  switch (v.type()) {
    case json::value_t::object: {
      json out = json::object();
      for (const auto& [key, x] : v.items()) out[key] = sorted(x);
      return out;
    }
    case json::value_t::array: {
      json out = json::array();
      for (const auto& x : v) out.push_back(sorted(x));
      return out;
    }
    case json::value_t::string:
      return v.get<std::string>();
    case json::value_t::boolean:
      return v.get<bool>();
    case json::value_t::number_integer:
      return v.get<std::int64_t>();
    case json::value_t::number_unsigned:
      return v.get<std::uint64_t>();
    case json::value_t::number_float:
      return v.get<double>();
    default:
      return nullptr;
  }
}

}  // namespace

std::string table_to_csv(const json& body) {
  const json* table = body.is_array() ? &body : nullptr;
  if (!table && body.is_object()) {
    const json* empty_array = nullptr;
    for (const auto& [key, v] : body.items()) {
      if (v.is_array() && !v.empty() && v.front().is_object()) table = &v;
      if (v.is_array() && v.empty()) empty_array = &v;
    }
    if (!table) table = empty_array;
  }
  if (!table)
    throw Error(ErrorCode::kInvalidArgument,
                "this endpoint's answer is not a table: ask for it without format=csv");
  std::vector<std::string> columns;
  std::vector<std::vector<std::pair<std::string, std::string>>> rows;
  for (const auto& item : *table) {
    std::vector<std::pair<std::string, std::string>> cells;
    if (item.is_object()) {
      flatten(item, "", cells);
    } else {
      cells.emplace_back("value", item.is_string() ? item.get<std::string>() : dump(item));
    }
    for (const auto& [name, cell] : cells) {
      if (std::find(columns.begin(), columns.end(), name) == columns.end()) columns.push_back(name);
    }
    rows.push_back(std::move(cells));
  }
  std::string out;
  for (std::size_t c = 0; c < columns.size(); ++c) out += (c ? "," : "") + csv_cell(columns[c]);
  out += '\n';
  for (const auto& cells : rows) {
    for (std::size_t c = 0; c < columns.size(); ++c) {
      if (c) out += ',';
      for (const auto& [name, cell] : cells) {
        if (name == columns[c]) {
          out += csv_cell(cell);
          break;
        }
      }
    }
    out += '\n';
  }
  return out;
}

std::string table_to_csv(const nlohmann::ordered_json& document) {
  return table_to_csv(sorted(document));
}

}  // namespace mre::server
