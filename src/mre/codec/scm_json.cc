// See scm_json.h.
#include "mre/codec/scm_json.h"

#include <nlohmann/json.hpp>

#include "mre/codec/json_matrix.h"
#include "mre/core/error.h"

namespace mre::codec {

using nlohmann::json;

namespace {

json equations_json(const std::vector<scm::FittedEquation>& equations) {
  json fits = json::array();
  for (const auto& f : equations) {
    fits.push_back({{"node", f.node},
                    {"parents", f.parents},
                    {"intercept", f.intercept},
                    {"phi", f.phi},
                    {"beta", f.beta},
                    {"covariance", matrix_json(f.covariance)},
                    {"kurtosis", f.kurtosis},
                    {"residual_acf1", f.residual_acf1},
                    {"squared_acf1", f.squared_acf1},
                    {"r2", f.r2}});
  }
  return fits;
}

std::vector<scm::FittedEquation> equations_from_json(const json& fits, const std::string& source) {
  std::vector<scm::FittedEquation> out;
  for (const auto& f : fits) {
    scm::FittedEquation e;
    e.node = f.at("node").get<std::string>();
    e.parents = f.at("parents").get<std::vector<std::string>>();
    e.intercept = f.at("intercept").get<double>();
    e.phi = f.at("phi").get<double>();
    e.beta = f.at("beta").get<std::vector<double>>();
    e.covariance = matrix_from_json(f.at("covariance"), source, "covariance");
    e.kurtosis = f.at("kurtosis").get<double>();
    e.residual_acf1 = f.at("residual_acf1").get<double>();
    e.squared_acf1 = f.at("squared_acf1").get<double>();
    e.r2 = f.at("r2").get<double>();
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

std::string scm_model_to_json(const scm::FittedScm& m) {
  json j;
  const auto& g = m.fitted.graph;
  j["nodes"] = g.nodes;
  json eqs = json::array();
  for (const auto& e : g.equations)
    eqs.push_back({{"node", e.node}, {"parents", e.parents}, {"own_lag", e.own_lag}});
  j["equations"] = eqs;
  json ids = json::array();
  for (const auto& id : g.identities) ids.push_back({{"node", id.node}, {"terms", id.terms}});
  j["identities"] = ids;
  j["terminal"] = g.terminal;
  j["hac_lag"] = m.fitted.hac_lag;
  j["fits"] = equations_json(m.fitted.equations);
  std::vector<std::string> transforms;
  for (const auto t : m.levels.transform)
    transforms.push_back(t == scm::Transform::kLogReturn ? "log_return" : "diff");
  j["transforms"] = transforms;
  j["start_levels"] =
      std::vector<double>(m.levels.start.data(), m.levels.start.data() + m.levels.start.size());
  j["mapping"] = m.mapping;
  std::vector<std::string> dates;
  for (const auto d : m.dates) dates.push_back(d.iso());
  j["dates"] = dates;
  j["changes"] = matrix_json(m.changes);
  j["regime"] = m.regime;
  j["transition"] = matrix_json(m.transition);
  j["regime_names"] = m.regime_names;
  if (!m.rejected.empty()) j["rejected"] = m.rejected;
  if (!m.added_edges.empty()) j["added_edges"] = m.added_edges;
  if (m.regime_dependent) {
    const auto& r = *m.regime_dependent;
    json per = json::array();
    for (const auto& f : r.fits) per.push_back(equations_json(f.equations));
    j["regime_dependent"] = {{"version", r.version},
                             {"labels", r.labels},
                             {"probabilities", matrix_json(r.probabilities)},
                             {"path", r.path},
                             {"transition", matrix_json(r.transition)},
                             {"fits", per},
                             {"dropped", r.dropped}};
  }
  if (m.identified) {
    j["identified_shock"] = {{"node", m.identified->node},
                             {"series", m.identified->series},
                             {"rows", m.identified->rows},
                             {"surprise", m.identified->surprise}};
  }
  json margins = json::array();
  for (const auto& mg : m.copula.margins) margins.push_back({{"nu", mg.nu}, {"scale", mg.scale}});
  j["copula"] = {{"nu", m.copula.nu},
                 {"correlation", matrix_json(m.copula.correlation)},
                 {"margins", margins}};
  return j.dump();
}

scm::FittedScm scm_model_from_json(const std::string& text, const std::string& source) {
  const auto bad = [&](const std::string& what) -> Error {
    return Error(ErrorCode::kInvalidArgument, source + ": malformed scm model (" + what + ")");
  };
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw bad(e.what());
  }
  try {
    scm::FittedScm m;
    auto& g = m.fitted.graph;
    g.nodes = j.at("nodes").get<std::vector<std::string>>();
    for (const auto& e : j.at("equations")) {
      g.equations.push_back({e.at("node").get<std::string>(),
                             e.at("parents").get<std::vector<std::string>>(),
                             e.at("own_lag").get<bool>()});
    }
    for (const auto& id : j.at("identities")) {
      g.identities.push_back(
          {id.at("node").get<std::string>(), id.at("terms").get<std::vector<std::string>>()});
    }
    g.terminal = j.at("terminal").get<std::vector<std::string>>();
    m.fitted.hac_lag = j.at("hac_lag").get<int>();
    m.fitted.equations = equations_from_json(j.at("fits"), source);
    for (const auto& t : j.at("transforms")) {
      m.levels.transform.push_back(t.get<std::string>() == "log_return" ? scm::Transform::kLogReturn
                                                                        : scm::Transform::kDiff);
    }
    const auto start = j.at("start_levels").get<std::vector<double>>();
    m.levels.start =
        Eigen::Map<const RowVector>(start.data(), static_cast<Eigen::Index>(start.size()));
    m.mapping = j.at("mapping").get<std::vector<std::string>>();
    for (const auto& d : j.at("dates")) {
      const auto date = Date::parse(d.get<std::string>());
      if (!date) throw bad("dates");
      m.dates.push_back(*date);
    }
    m.changes = matrix_from_json(j.at("changes"), source, "changes");
    m.regime = j.at("regime").get<std::vector<int>>();
    m.transition = matrix_from_json(j.at("transition"), source, "transition");
    m.regime_names = j.at("regime_names").get<std::vector<std::string>>();
    if (j.contains("rejected")) m.rejected = j.at("rejected").get<std::vector<std::string>>();
    if (j.contains("added_edges"))
      m.added_edges = j.at("added_edges").get<std::vector<std::string>>();
    if (j.contains("regime_dependent")) {
      const auto& r = j.at("regime_dependent");
      scm::FittedScm::RegimeTransmission rt;
      rt.version = r.at("version").get<std::string>();
      rt.labels = r.at("labels").get<std::vector<std::string>>();
      rt.probabilities =
          matrix_from_json(r.at("probabilities"), source, "regime_dependent.probabilities");
      rt.path = r.at("path").get<std::vector<int>>();
      rt.transition = matrix_from_json(r.at("transition"), source, "regime_dependent.transition");
      rt.dropped = r.at("dropped").get<std::vector<std::string>>();
      for (const auto& f : r.at("fits")) {
        scm::Fitted fit;
        fit.graph = g;
        fit.hac_lag = m.fitted.hac_lag;
        fit.equations = equations_from_json(f, source);
        rt.fits.push_back(std::move(fit));
      }
      const auto k = static_cast<Eigen::Index>(rt.labels.size());
      if (rt.fits.size() != rt.labels.size() || rt.probabilities.cols() != k ||
          rt.transition.rows() != k || rt.transition.cols() != k ||
          rt.path.size() != m.dates.size() ||
          rt.probabilities.rows() != static_cast<Eigen::Index>(m.dates.size())) {
        throw bad("regime_dependent shapes");
      }
      for (const int s : rt.path) {
        if (s < 0 || s >= k) throw bad("regime_dependent.path");
      }
      for (const auto& f : rt.fits) {
        if (f.equations.size() != g.equations.size()) throw bad("regime_dependent.fits");
      }
      m.regime_dependent = std::move(rt);
    }
    if (j.contains("identified_shock")) {
      const auto& r = j.at("identified_shock");
      scm::FittedScm::IdentifiedShock id{.node = r.at("node").get<std::string>(),
                                         .series = r.at("series").get<std::string>(),
                                         .rows = r.at("rows").get<std::vector<int>>(),
                                         .surprise = r.at("surprise").get<std::vector<double>>()};
      if (id.rows.size() != id.surprise.size()) throw bad("identified_shock shapes");
      for (const int row : id.rows) {
        if (row < 1 || static_cast<std::size_t>(row) >= m.dates.size())
          throw bad("identified_shock.rows");
      }
      m.identified = std::move(id);
    }
    const auto& c = j.at("copula");
    m.copula.nu = c.at("nu").get<double>();
    m.copula.correlation = matrix_from_json(c.at("correlation"), source, "copula.correlation");
    for (const auto& mg : c.at("margins"))
      m.copula.margins.push_back({mg.at("nu").get<double>(), mg.at("scale").get<double>(), 0.0});
    if (m.changes.rows() != static_cast<Eigen::Index>(m.dates.size()) ||
        m.changes.cols() != static_cast<Eigen::Index>(g.nodes.size()) ||
        m.levels.transform.size() != g.nodes.size()) {
      throw bad("shapes");
    }
    return m;
  } catch (const json::exception& e) {
    throw bad(e.what());
  }
}

namespace {
constexpr const char* kQuantileKeys[] = {"q05", "q25", "q50", "q75", "q95"};
}

namespace {

json effect_summaries_value(const std::vector<scm::EffectSummary>& effects) {
  json j = json::array();
  for (const auto& e : effects) {
    json o = {{"node", e.node}, {"unit", e.unit}, {"mean", e.mean}};
    for (std::size_t q = 0; q < 5; ++q) o[kQuantileKeys[q]] = e.quantiles[q];
    if (e.banded) {
      o["uncertainty"] = {{"estimate", e.band.estimate},
                          {"lo90", e.band.lo90},
                          {"hi90", e.band.hi90},
                          {"lo95", e.band.lo95},
                          {"hi95", e.band.hi95}};
    }
    j.push_back(o);
  }
  return j;
}

}  // namespace

std::string effect_summaries_to_json(const std::vector<scm::EffectSummary>& effects) {
  return effect_summaries_value(effects).dump();
}

std::string scenario_response_to_json(const ScenarioResponse& response) {
  // Bytes that are not UTF-8 (an echoed intervention) become U+FFFD rather than an exception.
  return scenario_response_document(response).dump(-1, ' ', false, json::error_handler_t::replace);
}

json scenario_response_document(const ScenarioResponse& r) {
  json fans = {{"baseline", json::object()}, {"intervened", json::object()}};
  for (const auto& row : r.rows)
    fans[row.scenario][row.node].push_back({row.q05, row.q25, row.q50, row.q75, row.q95});
  json dates = json::array();
  for (const auto& d : r.dates) dates.push_back(d.iso());
  json regime_effects = json::array();
  for (const auto& [regime, effects] : r.regime_effects) {
    regime_effects.push_back({{"regime", regime}, {"effects", effect_summaries_value(effects)}});
  }
  return json{{"scm_version", r.scm_version},
              {"id", r.run.id},
              {"start", r.run.start.iso()},
              {"horizon", r.run.horizon},
              {"dates", dates},
              {"uncertainty", r.uncertainty},
              {"warnings", r.warnings},
              {"paths", r.run.paths},
              {"shocks", r.run.shocks},
              {"interventions", r.run.interventions},
              {"quantiles", {0.05, 0.25, 0.5, 0.75, 0.95}},
              {"fans", fans},
              {"effects", effect_summaries_value(r.effects)},
              {"narrative", r.narrative},
              {"regime_version", r.regime_version},
              {"regime_effects", regime_effects}};
}

std::vector<scm::EffectSummary> effect_summaries_from_json(const std::string& text,
                                                           const std::string& source) {
  try {
    std::vector<scm::EffectSummary> out;
    for (const auto& o : json::parse(text)) {
      scm::EffectSummary e{.node = o.at("node").get<std::string>(),
                           .unit = o.at("unit").get<std::string>(),
                           .mean = o.at("mean").get<double>()};
      for (std::size_t q = 0; q < 5; ++q) e.quantiles[q] = o.at(kQuantileKeys[q]).get<double>();
      if (o.contains("uncertainty")) {
        const auto& u = o.at("uncertainty");
        e.banded = true;
        e.band = {.estimate = u.at("estimate").get<double>(),
                  .lo90 = u.at("lo90").get<double>(),
                  .hi90 = u.at("hi90").get<double>(),
                  .lo95 = u.at("lo95").get<double>(),
                  .hi95 = u.at("hi95").get<double>()};
      }
      out.push_back(e);
    }
    return out;
  } catch (const json::exception& e) {
    throw Error(ErrorCode::kInvalidArgument,
                source + ": malformed scenario summary (" + e.what() + ")");
  }
}

}  // namespace mre::codec
