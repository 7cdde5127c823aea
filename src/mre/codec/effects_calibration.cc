// See effects_calibration.h.
#include "mre/codec/effects_calibration.h"

#include <bit>
#include <cmath>

#include "mre/codec/classifier_json.h"
#include "mre/core/error.h"

namespace mre::codec {
namespace {

using store::Cell;
using store::ColumnType;

void number(std::string& out, double v) {
  if (std::isfinite(v)) {
    append_number(out, v);
  } else {
    out += "null";
  }
}

Cell real(double v) { return Cell{v}; }
Cell integer(std::int64_t v) { return Cell{v}; }
Cell text(const std::string& v) { return Cell{v}; }

double get_real(const store::Row& row, std::size_t i) {
  if (i < row.size()) {
    if (const auto* v = std::get_if<double>(&row[i])) return *v;
    if (std::holds_alternative<std::monostate>(row[i])) return std::nan("");
  }
  throw Error(ErrorCode::kDataError,
              "effects_calibration: column " + std::to_string(i) + " is not a real number");
}

std::int64_t get_int(const store::Row& row, std::size_t i) {
  if (i < row.size()) {
    if (const auto* v = std::get_if<std::int64_t>(&row[i])) return *v;
  }
  throw Error(ErrorCode::kDataError,
              "effects_calibration: column " + std::to_string(i) + " is not an integer");
}

std::string get_text(const store::Row& row, std::size_t i) {
  if (i < row.size()) {
    if (const auto* v = std::get_if<std::string>(&row[i])) return *v;
  }
  throw Error(ErrorCode::kDataError,
              "effects_calibration: column " + std::to_string(i) + " is not text");
}

}  // namespace

CalibrationSummary summarise(const CalibrationReport& r) {
  CalibrationSummary s;
  for (const auto& c : r.cells) {
    s.fits += c.surrogates;
    s.rejections += c.rejections;
    s.failed += c.failed;
    if (std::isfinite(c.permuted_placebo_p)) {
      ++s.permuted_placebo_cells;
      s.permuted_placebo_passed += c.permuted_placebo_p >= r.level;
    }
    if (std::isfinite(c.pre_treatment_placebo_p)) {
      ++s.pre_treatment_placebo_cells;
      s.pre_treatment_placebo_passed += c.pre_treatment_placebo_p >= r.level;
    }
  }
  s.rejection_rate =
      s.fits > 0 ? static_cast<double>(s.rejections) / static_cast<double>(s.fits) : std::nan("");
  return s;
}

std::string calibration_to_json(const CalibrationReport& r) {
  const auto s = summarise(r);
  const auto rate = [](long passed, long cells) {
    return cells > 0 ? static_cast<double>(passed) / static_cast<double>(cells) : std::nan("");
  };
  std::string out = "{\"calibration\": {\"version\": ";
  append_json_string(out, r.version);
  out += ", \"effects_version\": ";
  append_json_string(out, r.effects_version);
  out += ", \"spec\": ";
  append_json_string(out, r.spec_name);
  out += ", \"surrogates_per_cell\": " + std::to_string(r.surrogates) +
         ", \"seed\": " + std::to_string(r.seed) + ", \"mean_block_months\": ";
  number(out, r.mean_block);
  out += ", \"level\": ";
  number(out, r.level);
  out += ", \"fits\": " + std::to_string(s.fits) +
         ", \"failed_fits\": " + std::to_string(s.failed) +
         ", \"rejections\": " + std::to_string(s.rejections) + ", \"rejection_rate\": ";
  number(out, s.rejection_rate);
  out +=
      ", \"rejection_rate_meaning\": \"the share of surrogate fits (treatment replaced by a "
      "surrogate with the same "
      "autocorrelation, so no effect by construction) whose p-value is below the level; near the "
      "level when the "
      "grid's intervals are honest\"";
  out += ", \"placebos\": {\"permuted_treatment\": {\"cells\": " +
         std::to_string(s.permuted_placebo_cells) +
         ", \"passed\": " + std::to_string(s.permuted_placebo_passed) + ", \"pass_rate\": ";
  number(out, rate(s.permuted_placebo_passed, s.permuted_placebo_cells));
  out +=
      "}, \"pre_treatment_outcome\": {\"cells\": " + std::to_string(s.pre_treatment_placebo_cells) +
      ", \"passed\": " + std::to_string(s.pre_treatment_placebo_passed) + ", \"pass_rate\": ";
  number(out, rate(s.pre_treatment_placebo_passed, s.pre_treatment_placebo_cells));
  out += "}}, \"cells\": [";
  for (std::size_t i = 0; i < r.cells.size(); ++i) {
    const auto& c = r.cells[i];
    if (i) out += ",\n  ";
    out += "{\"treatment\": ";
    append_json_string(out, c.treatment);
    out += ", \"outcome\": ";
    append_json_string(out, c.outcome);
    out += ", \"horizon_months\": " + std::to_string(c.horizon) + ", \"surrogate\": ";
    append_json_string(out, c.surrogate);
    out += ", \"observations\": " + std::to_string(c.observations) +
           ", \"surrogates\": " + std::to_string(c.surrogates) +
           ", \"failed\": " + std::to_string(c.failed) +
           ", \"rejections\": " + std::to_string(c.rejections) + ", \"rejection_rate\": ";
    number(out, c.surrogates > 0 ? static_cast<double>(c.rejections) / c.surrogates : std::nan(""));
    out += ", \"effect\": ";
    number(out, c.effect);
    out += ", \"p_value\": ";
    number(out, c.p_value);
    out += ", \"surrogate_p_value\": ";
    number(out, c.surrogate_p_value);
    out += ", \"permuted_placebo_p_value\": ";
    number(out, c.permuted_placebo_p);
    out += ", \"pre_treatment_placebo_p_value\": ";
    number(out, c.pre_treatment_placebo_p);
    out += "}";
  }
  return out + "]}}";
}

const store::ArtefactKind& calibration_kind() {
  static const store::ArtefactKind kKind{"effects_calibration",
                                         {{"settings",
                                           {{"surrogates", ColumnType::kInteger},
                                            {"seed", ColumnType::kInteger},
                                            {"mean_block", ColumnType::kReal},
                                            {"level", ColumnType::kReal}}},
                                          {"cells",
                                           {{"treatment", ColumnType::kText, true},
                                            {"outcome", ColumnType::kText, true},
                                            {"horizon", ColumnType::kInteger, true},
                                            {"surrogate", ColumnType::kText},
                                            {"observations", ColumnType::kInteger},
                                            {"surrogates", ColumnType::kInteger},
                                            {"failed", ColumnType::kInteger},
                                            {"rejections", ColumnType::kInteger},
                                            {"effect", ColumnType::kReal},
                                            {"p_value", ColumnType::kReal},
                                            {"surrogate_p_value", ColumnType::kReal},
                                            {"permuted_placebo_p", ColumnType::kReal},
                                            {"pre_treatment_placebo_p", ColumnType::kReal}}},
                                          {"draws",
                                           {{"cell", ColumnType::kInteger, true},
                                            {"surrogate", ColumnType::kInteger, true},
                                            {"seed", ColumnType::kInteger},
                                            {"effect", ColumnType::kReal},
                                            {"se", ColumnType::kReal},
                                            {"p_value", ColumnType::kReal}}}}};
  return kKind;
}

std::vector<store::ArtefactTable> calibration_tables(const CalibrationReport& r) {
  store::ArtefactTable settings{"settings", {}};
  // Seeds are 64-bit unsigned; the store's integers are signed: the bits are kept.
  settings.rows.push_back({integer(r.surrogates), integer(std::bit_cast<std::int64_t>(r.seed)),
                           real(r.mean_block), real(r.level)});
  store::ArtefactTable cells{"cells", {}};
  for (const auto& c : r.cells) {
    cells.rows.push_back({text(c.treatment), text(c.outcome), integer(c.horizon), text(c.surrogate),
                          integer(c.observations), integer(c.surrogates), integer(c.failed),
                          integer(c.rejections), real(c.effect), real(c.p_value),
                          real(c.surrogate_p_value), real(c.permuted_placebo_p),
                          real(c.pre_treatment_placebo_p)});
  }
  store::ArtefactTable draws{"draws", {}};
  for (const auto& d : r.draws) {
    draws.rows.push_back({integer(static_cast<std::int64_t>(d.cell)), integer(d.surrogate),
                          integer(std::bit_cast<std::int64_t>(d.seed)), real(d.effect), real(d.se),
                          real(d.p_value)});
  }
  return {settings, cells, draws};
}

CalibrationReport calibration_from_tables(const store::ArtefactHeader& header,
                                          const store::ArtefactTable& settings,
                                          const store::ArtefactTable& cells,
                                          const store::ArtefactTable& draws) {
  CalibrationReport r;
  r.version = header.version;
  r.spec_name = header.spec_name;
  if (const auto it = header.inputs.find("effects_version"); it != header.inputs.end())
    r.effects_version = it->second;
  if (settings.rows.size() != 1)
    throw Error(ErrorCode::kDataError,
                "effects_calibration " + header.version + ": settings must hold one row");
  const auto& s = settings.rows.front();
  r.surrogates = static_cast<int>(get_int(s, 0));
  r.seed = std::bit_cast<std::uint64_t>(get_int(s, 1));
  r.mean_block = get_real(s, 2);
  r.level = get_real(s, 3);
  for (const auto& row : cells.rows) {
    CalibrationCell c;
    c.treatment = get_text(row, 0);
    c.outcome = get_text(row, 1);
    c.horizon = static_cast<int>(get_int(row, 2));
    c.surrogate = get_text(row, 3);
    c.observations = get_int(row, 4);
    c.surrogates = static_cast<int>(get_int(row, 5));
    c.failed = static_cast<int>(get_int(row, 6));
    c.rejections = static_cast<int>(get_int(row, 7));
    c.effect = get_real(row, 8);
    c.p_value = get_real(row, 9);
    c.surrogate_p_value = get_real(row, 10);
    c.permuted_placebo_p = get_real(row, 11);
    c.pre_treatment_placebo_p = get_real(row, 12);
    r.cells.push_back(std::move(c));
  }
  for (const auto& row : draws.rows) {
    CalibrationDraw d;
    d.cell = static_cast<std::size_t>(get_int(row, 0));
    d.surrogate = static_cast<int>(get_int(row, 1));
    d.seed = std::bit_cast<std::uint64_t>(get_int(row, 2));
    d.effect = get_real(row, 3);
    d.se = get_real(row, 4);
    d.p_value = get_real(row, 5);
    r.draws.push_back(d);
  }
  return r;
}

}  // namespace mre::codec
