// Issue 22's edges of the CLI: one printer for every listing (--format table|csv|json, the CSV
// readable by pandas) and the "did you mean" for a mistyped subcommand.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/commands.h"
#include "mre/core/error.h"

namespace mre::cli {
namespace {

// RFC 4180: a field holding a comma, quote or line break is quoted, its quotes doubled.
std::string csv_field(const std::string& field) {
  if (field.find_first_of(",\"\n\r") == std::string::npos) return field;
  std::string out = "\"";
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

// A cell as JSON: a number when the whole text is one, true/false, null when empty, else a string.
nlohmann::ordered_json json_cell(const std::string& cell) {
  if (cell.empty()) return nullptr;
  if (cell == "true") return true;
  if (cell == "false") return false;
  const bool numeric_start =
      std::isdigit(static_cast<unsigned char>(cell[0])) || cell[0] == '-' || cell[0] == '+';
  if (numeric_start && cell.find_first_of(":T") == std::string::npos &&
      std::count(cell.begin(), cell.end(), '-') <=
          1 + (cell.find_first_of("eE") != std::string::npos ? 1 : 0)) {
    char* end = nullptr;
    const double v = std::strtod(cell.c_str(), &end);
    if (end == cell.c_str() + cell.size() && std::isfinite(v)) {
      if (cell.find_first_of(".eE") == std::string::npos && std::abs(v) < 9e15)
        return static_cast<std::int64_t>(v);
      return v;
    }
  }
  return cell;
}

// Edits (insert, delete, substitute, swap two neighbours) from a to b: the optimal string
// alignment distance, so "lsit" is one edit from "list".
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

void add_format_option(CLI::App& command, std::string& format) {
  command
      .add_option(
          "--format", format,
          "table (aligned, for people) | csv (RFC 4180, one header line) | json (array of objects)")
      ->capture_default_str();
}

void print_listing(const Listing& listing, const std::string& format) {
  if (format == "csv") {
    std::string out;
    for (std::size_t c = 0; c < listing.columns.size(); ++c)
      out += (c ? "," : "") + csv_field(listing.columns[c]);
    out += '\n';
    for (const auto& row : listing.rows) {
      for (std::size_t c = 0; c < row.size(); ++c) out += (c ? "," : "") + csv_field(row[c]);
      out += '\n';
    }
    std::cout << out;
  } else if (format == "json") {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& row : listing.rows) {
      nlohmann::ordered_json o = nlohmann::ordered_json::object();
      for (std::size_t c = 0; c < row.size() && c < listing.columns.size(); ++c)
        o[listing.columns[c]] = json_cell(row[c]);
      out.push_back(std::move(o));
    }
    std::cout << out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  } else if (format == "table") {
    std::vector<std::size_t> width(listing.columns.size());
    for (std::size_t c = 0; c < width.size(); ++c) width[c] = listing.columns[c].size();
    for (const auto& row : listing.rows) {
      for (std::size_t c = 0; c < row.size() && c < width.size(); ++c)
        width[c] = std::max(width[c], row[c].size());
    }
    const auto line = [&](const std::vector<std::string>& cells) {
      std::string out;
      for (std::size_t c = 0; c < cells.size() && c < width.size(); ++c) {
        if (c) out += "  ";
        out += cells[c];
        if (c + 1 < cells.size()) out.append(width[c] - cells[c].size(), ' ');
      }
      return out + '\n';
    };
    std::string out = line(listing.columns);
    for (const auto& row : listing.rows) out += line(row);
    std::cout << out;
  } else {
    throw Error(ErrorCode::kInvalidArgument,
                "--format: expected table, csv or json (got '" + format + "')");
  }
  std::cout.flush();
}

void check_format(const std::string& format) {
  if (format != "table" && format != "csv" && format != "json") {
    throw Error(ErrorCode::kInvalidArgument,
                "--format: expected table, csv or json (got '" + format + "')");
  }
}

CLI::Validator finite_number(double bound) {
  return CLI::Validator(
      [bound](const std::string& text) -> std::string {
        char* end = nullptr;
        const double x = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size())
          return "'" + text + "' is not a number";
        if (!std::isfinite(x)) return "must be a finite number (got " + text + ")";
        if (std::abs(x) > bound)
          return "must be from " + fmt::format("{:g}", -bound) + " to " +
                 fmt::format("{:g}", bound) + " (got " + text + ")";
        return std::string();
      },
      std::isinf(bound) ? std::string("FINITE")
                        : fmt::format("FINITE:[{:g}..{:g}]", -bound, bound));
}

CLI::Validator whole_number_in(std::int64_t lo, std::int64_t hi) {
  return CLI::Validator(
      [lo, hi](const std::string& text) -> std::string {
        std::size_t used = 0;
        long long value = 0;
        try {
          value = std::stoll(text, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        const std::string limits = limits_text(lo, hi);
        if (text.empty() || used != text.size())
          return "'" + text + "' is not a whole number in " + limits;
        if (value < lo || value > hi) return text + " is outside the limits " + limits;
        return "";
      },
      "[" + std::to_string(lo) + ".." + std::to_string(hi) + "]");
}

namespace {
std::set<const CLI::Option*>& threads_from_one_options() {
  static std::set<const CLI::Option*> options;
  return options;
}
}  // namespace

CLI::Option* threads_from_one(CLI::Option* option) {
  threads_from_one_options().insert(option);
  return option;
}

void add_uniform_checks(CLI::App& app) {
  for (CLI::Option* option : app.get_options()) {
    for (const std::string& name : option->get_lnames()) {  // without the leading "--"
      if (name == "seed" || name.ends_with("-seed")) {
        option->check(CLI::Validator(
            [](const std::string& text) -> std::string {
              const bool digits = !text.empty() && text.size() <= 19 &&
                                  text.find_first_not_of("0123456789") == std::string::npos;
              return digits ? "" : "must be a whole number from 0 (got '" + text + "')";
            },
            "SEED"));
      }
      if (name == "threads")
        option->check(whole_number_in(threads_from_one_options().count(option) ? 1 : 0, 1024));
    }
  }
  for (CLI::App* sub : app.get_subcommands({})) add_uniform_checks(*sub);
}

std::optional<std::string> unknown_subcommand_message(const CLI::App& app, int argc,
                                                      const char* const* argv) {
  const CLI::App* at = &app;
  std::string path = "mre";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.empty() || arg[0] == '-') return std::nullopt;  // options: the parser's own message
    const auto subcommands = at->get_subcommands([](const CLI::App*) { return true; });
    if (subcommands.empty()) return std::nullopt;
    const CLI::App* next = nullptr;
    std::string nearest;
    std::size_t best = std::string::npos;
    std::string names;
    for (const auto* s : subcommands) {
      if (s->get_name() == arg) next = s;
      names += (names.empty() ? "" : ", ") + s->get_name();
      const std::size_t d = edit_distance(arg, s->get_name());
      if (d < best) {
        best = d;
        nearest = s->get_name();
      }
    }
    if (next) {
      at = next;
      path += " " + arg;
      continue;
    }
    std::string message = "unknown command '" + arg + "' for '" + path + "'";
    // Within a third of the word's letters (at least one): a typo, not another word.
    if (best <= std::max<std::size_t>(1, nearest.size() / 3)) {
      message += "; did you mean '" + nearest + "'?";
    } else {
      message += " (commands: " + names + ")";
    }
    return message;
  }
  return std::nullopt;
}

}  // namespace mre::cli
