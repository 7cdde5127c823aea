// See quantgan.h.
#include "mre/workflows/quantgan.h"

#include <string>

#include "mre/codec/classifier_json.h"
#include "mre/core/error.h"
#include "mre/scm/scm.h"
#include "mre/store/revisions.h"
#include "mre/workflows/feature_spec.h"
#include "mre/workflows/scm.h"

namespace mre::workflows {

namespace {

// The canonical settings text (the version's spec hash).
std::string settings_text(const neural::QuantGanConfig& c, const std::string& scm_version,
                          const std::string& scm_spec_hash, const std::string& regime_source) {
  std::string out = "kind=quantgan\nscm_version=" + scm_version +
                    "\nscm_spec_hash=" + scm_spec_hash + "\nregime_source=" + regime_source +
                    "\nhidden=" + std::to_string(c.hidden) +
                    "\nlevels=" + std::to_string(c.levels) +
                    "\nnoise_channels=" + std::to_string(c.noise_channels) +
                    "\nwindow=" + std::to_string(c.window) + "\nsteps=" + std::to_string(c.steps) +
                    "\ncritic_steps=" + std::to_string(c.critic_steps) +
                    "\nbatch=" + std::to_string(c.batch) + "\ngradient_penalty=";
  codec::append_number(out, c.gradient_penalty);
  out += "\nlearning_rate=";
  codec::append_number(out, c.learning_rate);
  return out + "\nseed=" + std::to_string(c.seed) + "\nthreads=" + std::to_string(c.threads) +
         "\nloss=wgan-gp\n";
}

// Unsupported before anything is read or stored when the build has no LibTorch.
void check_torch() {
  if (!neural::torch_available()) {
    throw Error(ErrorCode::kUnsupported,
                "quantgan: this build has no LibTorch (install Debian's libtorch-dev and "
                "configure with -DMRE_TORCH=ON)");
  }
}

}  // namespace

neural::QuantGanConfig quantgan_config(const std::string& size, int steps, std::uint64_t seed,
                                       int threads) {
  neural::QuantGanConfig c = neural::quant_gan_config_named(size);
  if (steps > 0) c.steps = steps;
  c.seed = seed;
  c.threads = threads;
  return c;
}

RegimeCondition regime_condition(const scm::FittedScm& m) {
  RegimeCondition c;
  if (m.regime_dependent) {
    const auto& rd = *m.regime_dependent;
    c.path = rd.path;
    c.transition = rd.transition;
    c.labels = rd.labels;
    c.source = "regime version " + rd.version;
  } else {
    c.path = m.regime;
    c.transition = m.transition;
    c.labels = m.regime_names;
    c.source = "the version's shock regimes (HMM)";
  }
  const auto k = c.transition.rows();
  if (k < 1 || c.path.size() != m.dates.size())
    throw Error(ErrorCode::kDataError, "quantgan: the version has no regime label per day");
  while (static_cast<Eigen::Index>(c.labels.size()) < k)
    c.labels.push_back("regime " + std::to_string(c.labels.size()));
  return c;
}

Matrix equation_shocks(const scm::FittedScm& m) {
  const auto& g = m.fitted.graph;
  const Matrix u = scm::abduct(m.fitted, m.changes);
  const auto rows = u.rows();
  Matrix shocks(rows - 1, static_cast<Eigen::Index>(g.equations.size()));
  for (std::size_t e = 0; e < g.equations.size(); ++e) {
    shocks.col(static_cast<Eigen::Index>(e)) =
        u.col(scm::node_index(g, g.equations[e].node)).tail(rows - 1);
  }
  return shocks;
}

QuantGanTrainResult train_quantgan(store::Store& store, const QuantGanTrainOptions& o) {
  check_torch();
  const std::string version = o.scm_version.empty() ? newest_scm_version(store) : o.scm_version;
  const auto stored_scm = store.find_scm_model(version);
  if (!stored_scm)
    throw Error(ErrorCode::kNotFound, "no scm version '" + version + "' (see 'mre scm list')");
  const scm::FittedScm m = load_scm(store, version);
  neural::QuantGanConfig config;
  if (o.config) {
    config = *o.config;
  } else {
    config = quantgan_config(o.size, o.steps.value_or(0), o.seed, o.threads);
  }
  const RegimeCondition cond = regime_condition(m);
  store::ArtefactHeader header;
  header.spec_name = "quantgan";
  header.spec_text = settings_text(config, version, stored_scm->spec_hash, cond.source);
  header.spec_hash = fnv1a_hex(header.spec_text);
  header.inputs = {{"scm_version", version}};
  header.version = o.tag == "auto" ? "Q_" + version + "_" + header.spec_hash.substr(0, 8) : o.tag;
  store::validate_version_tag(header.version);
  if (const auto found = store.find_artefact(codec::quantgan_kind().name, header.version)) {
    if (found->spec_hash == header.spec_hash && found->inputs == header.inputs) {
      return {read_quantgan(store, header.version), neural::receptive_field(config),
              neural::training_window(config), false};
    }
    throw Error(ErrorCode::kInvalidArgument,
                "--tag: quantgan version '" + header.version +
                    "' is stored with other settings (versions are never overwritten; choose "
                    "another --tag)");
  }
  const Matrix shocks = equation_shocks(m);
  const std::vector<int> regime(cond.path.begin() + 1, cond.path.end());
  codec::StoredQuantGan s;
  s.version = header.version;
  s.scm_version = version;
  for (const auto& e : m.fitted.graph.equations) s.series.push_back(e.node);
  s.regime_labels = cond.labels;
  s.regime_source = cond.source;
  s.model =
      neural::train_quant_gan(shocks, regime, static_cast<int>(cond.transition.rows()), config);
  header.created_at = Timestamp::now();
  const bool written =
      store.write_artefact(codec::quantgan_kind(), header, codec::quantgan_tables(s)) ==
      store::ArtefactWriteOutcome::kWritten;
  return {std::move(s), neural::receptive_field(config), neural::training_window(config), written};
}

codec::StoredQuantGan read_quantgan(const store::Store& store, const std::string& version) {
  const auto& kind = codec::quantgan_kind();
  const auto header = store.find_artefact(kind.name, version);
  if (!header) {
    throw Error(ErrorCode::kNotFound,
                "no quantgan generator '" + version + "' (train one: mre scm generators train)");
  }
  std::vector<store::ArtefactTable> tables;
  for (const auto& t : kind.tables)
    tables.push_back(store.read_artefact_table(kind.name, version, t.name));
  return codec::quantgan_from_tables(*header, tables);
}

void attach_quantgan(const store::Store& store, const std::string& scm_version,
                     const scm::FittedScm& m, ScenarioOptions& options) {
  check_torch();
  std::string tag = options.generator_version;
  if (tag.empty()) {
    for (const auto& h : store.list_artefacts(codec::quantgan_kind().name)) {
      const auto it = h.inputs.find("scm_version");
      if (it != h.inputs.end() && it->second == scm_version) tag = h.version;  // newest last
    }
    if (tag.empty()) {
      throw Error(ErrorCode::kNotFound,
                  "--shocks quantgan: no quantgan generator is trained on scm version '" +
                      scm_version + "' (mre scm generators train --version " + scm_version + ")");
    }
  }
  const codec::StoredQuantGan s = read_quantgan(store, tag);
  if (s.scm_version != scm_version) {
    throw Error(ErrorCode::kInvalidArgument, "--shocks quantgan: generator '" + tag +
                                                 "' was trained on scm version '" + s.scm_version +
                                                 "', not '" + scm_version + "'");
  }
  std::vector<std::string> nodes;
  for (const auto& e : m.fitted.graph.equations) nodes.push_back(e.node);
  if (s.series != nodes) {
    throw Error(ErrorCode::kInvalidArgument,
                "--shocks quantgan: generator '" + tag + "' was trained on other nodes");
  }
  options.generator_version = tag;
  options.quantgan = std::make_shared<const neural::QuantGanGenerator>(s.model);
}

void preload_networks() {
  if (neural::torch_available()) neural::torch_preload();
}

}  // namespace mre::workflows
