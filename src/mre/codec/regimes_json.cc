// Regime rows -> JSON.
#include "mre/codec/regimes_json.h"

#include <nlohmann/json.hpp>

namespace mre::codec {

std::string regimes_to_json(const store::RegimeModel& model,
                            const std::vector<store::RegimeRow>& rows) {
  return regimes_document(model, rows).dump();
}

nlohmann::ordered_json regimes_document(const store::RegimeModel& model,
                                        const std::vector<store::RegimeRow>& rows) {
  nlohmann::ordered_json out;
  out["version"] = model.version;
  out["kind"] = model.kind;
  out["feature_version"] = model.feature_version;
  out["labels"] = model.labels;
  auto& list = out["regimes"] = nlohmann::ordered_json::array();
  for (const auto& r : rows) {
    nlohmann::ordered_json probabilities;
    for (std::size_t k = 0; k < model.labels.size() && k < r.probabilities.size(); ++k) {
      probabilities[model.labels[k]] = r.probabilities[k];
    }
    list.push_back({{"date", r.date.iso()},
                    {"regime", r.regime},
                    {"score", r.score},
                    {"probabilities", probabilities}});
  }
  return out;
}

namespace {

nlohmann::ordered_json matrix_json(const Matrix& m) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    std::vector<double> row(static_cast<std::size_t>(m.cols()));
    for (Eigen::Index j = 0; j < m.cols(); ++j) row[static_cast<std::size_t>(j)] = m(i, j);
    rows.push_back(row);
  }
  return rows;
}

nlohmann::ordered_json summary_json(const regimes::VersionSummary& s) {
  nlohmann::ordered_json out;
  out["version"] = s.version;
  out["labels"] = s.labels;
  out["counts"] = s.counts;
  out["mean_durations"] = s.mean_durations;
  out["transitions"] = matrix_json(s.transitions);
  nlohmann::ordered_json returns;
  for (const auto& [label, assets] : s.conditional_returns) {
    for (const auto& [asset, st] : assets) {
      returns[label][asset] = {{"annual_mean", st.annual_mean},
                               {"annual_volatility", st.annual_volatility},
                               {"periods", st.periods}};
    }
  }
  out["conditional_returns"] = returns;
  return out;
}

}  // namespace

std::string comparison_to_json(const regimes::RegimeComparison& comparison) {
  return comparison_document(comparison).dump(1);
}

nlohmann::ordered_json comparison_document(const regimes::RegimeComparison& c) {
  nlohmann::ordered_json out;
  out["common_dates"] = c.common_dates;
  out["first"] = c.first.iso();
  out["last"] = c.last.iso();
  out["agreement_same_label"] = c.agreement_same_label;
  out["agreement_matched"] = c.agreement_matched;
  nlohmann::ordered_json matching = nlohmann::ordered_json::array();
  for (const auto& [x, y] : c.matching) matching.push_back({x, y});
  out["matching"] = matching;
  out["confusion"] = matrix_json(c.confusion);
  out["periods_per_year"] = c.periods_per_year;
  out["a"] = summary_json(c.a);
  out["b"] = summary_json(c.b);
  return out;
}

std::string analogues_to_json(const std::vector<regimes::Analogue>& analogues) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& a : analogues) {
    nlohmann::ordered_json forward;
    for (const auto& [asset, r] : a.forward) forward[asset] = r;
    out.push_back({{"date", a.date.iso()},
                   {"distance", a.distance},
                   {"regime", a.regime},
                   {"forward_1m", forward}});
  }
  return out.dump(1);
}

}  // namespace mre::codec
