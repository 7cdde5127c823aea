// See neural_artefact.h.
#include "mre/codec/neural_artefact.h"

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <nlohmann/json.hpp>

#include "mre/codec/quantgan_artefact.h"
#include "mre/core/error.h"

namespace mre::codec {

namespace {

using store::ColumnType;
constexpr std::size_t kChunkChars = 65536;  // base64 characters per weights row

struct Reader {
  const std::string& what;
  const store::Row& row;
  [[noreturn]] void bad(std::size_t i, const char* type) const {
    throw Error(ErrorCode::kDataError, what + ": column " + std::to_string(i) + " is not " + type);
  }
  template <typename T>
  const T& get(std::size_t i, const char* type) const {
    if (i < row.size()) {
      if (const auto* v = std::get_if<T>(&row[i])) return *v;
    }
    bad(i, type);
  }
  double real(std::size_t i) const { return get<double>(i, "a real number"); }
  std::int64_t integer(std::size_t i) const { return get<std::int64_t>(i, "an integer"); }
  int small(std::size_t i) const { return static_cast<int>(integer(i)); }
  const std::string& text(std::size_t i) const { return get<std::string>(i, "text"); }
  Date date(std::size_t i) const { return get<Date>(i, "a date"); }
};

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "|" : "") + v[i];
  return out;
}
std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    const auto bar = s.find('|', pos);
    out.push_back(s.substr(pos, bar == std::string::npos ? std::string::npos : bar - pos));
    if (bar == std::string::npos) break;
    pos = bar + 1;
  }
  return out;
}

nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nullptr; }

}  // namespace

const store::ArtefactKind& neural_attention_kind() {
  static const store::ArtefactKind kKind{
      "neural_attention",
      {{"settings",
        {{"feature_version", ColumnType::kText},
         {"target_version", ColumnType::kText},
         {"horizon", ColumnType::kInteger},
         {"refit_every_months", ColumnType::kInteger},
         {"min_train_examples", ColumnType::kInteger},
         {"inputs", ColumnType::kInteger},
         {"hidden", ColumnType::kInteger},
         {"heads", ColumnType::kInteger},
         {"classes", ColumnType::kInteger},
         {"window", ColumnType::kInteger},
         {"dropout", ColumnType::kReal},
         {"epochs", ColumnType::kInteger},
         {"patience", ColumnType::kInteger},
         {"batch", ColumnType::kInteger},
         {"learning_rate", ColumnType::kReal},
         {"weight_decay", ColumnType::kReal},
         {"validation_fraction", ColumnType::kReal},
         {"seed", ColumnType::kInteger},
         {"threads", ColumnType::kInteger}}},
       {"classes",
        {{"class", ColumnType::kInteger, true},
         {"name", ColumnType::kText},
         {"target_labels", ColumnType::kText}}},
       {"features", {{"feature", ColumnType::kInteger, true}, {"name", ColumnType::kText}}},
       {"refits",
        {{"refit", ColumnType::kInteger, true},
         {"date", ColumnType::kDate},
         {"train_first", ColumnType::kDate},
         {"train_last", ColumnType::kDate},
         {"label_last", ColumnType::kDate},
         {"train_examples", ColumnType::kInteger},
         {"validation_examples", ColumnType::kInteger},
         {"best_epoch", ColumnType::kInteger},
         {"epochs_run", ColumnType::kInteger},
         {"seconds", ColumnType::kReal},
         {"weights_count", ColumnType::kInteger},
         {"weights_checksum", ColumnType::kText}}},
       {"standardisation",
        {{"refit", ColumnType::kInteger, true},
         {"feature", ColumnType::kInteger, true},
         {"mean", ColumnType::kReal},
         {"sd", ColumnType::kReal}}},
       {"weights",
        {{"refit", ColumnType::kInteger, true},
         {"chunk", ColumnType::kInteger, true},
         {"data", ColumnType::kText}}},
       {"trace",
        {{"refit", ColumnType::kInteger, true},
         {"epoch", ColumnType::kInteger, true},
         {"train_loss", ColumnType::kReal},
         {"validation_loss", ColumnType::kReal}}}}};
  return kKind;
}

std::vector<store::ArtefactTable> neural_attention_tables(const StoredAttention& s) {
  std::vector<store::ArtefactTable> out(7);
  const auto& sp = s.spec;
  const auto& tr = s.training;
  out[0].name = "settings";
  out[0].rows.push_back({s.feature_version, s.target_version, std::int64_t{s.horizon},
                         std::int64_t{s.refit_every_months}, std::int64_t{s.min_train_examples},
                         std::int64_t{sp.inputs}, std::int64_t{sp.hidden}, std::int64_t{sp.heads},
                         std::int64_t{sp.classes}, std::int64_t{sp.window}, sp.dropout,
                         std::int64_t{tr.epochs}, std::int64_t{tr.patience}, std::int64_t{tr.batch},
                         tr.learning_rate, tr.weight_decay, tr.validation_fraction,
                         std::bit_cast<std::int64_t>(tr.seed), std::int64_t{tr.threads}});
  out[1].name = "classes";
  for (std::size_t c = 0; c < s.class_names.size(); ++c)
    out[1].rows.push_back({static_cast<std::int64_t>(c), s.class_names[c],
                           c < s.class_members.size() ? join(s.class_members[c]) : ""});
  out[2].name = "features";
  for (std::size_t j = 0; j < s.feature_names.size(); ++j)
    out[2].rows.push_back({static_cast<std::int64_t>(j), s.feature_names[j]});
  out[3].name = "refits";
  out[4].name = "standardisation";
  out[5].name = "weights";
  out[6].name = "trace";
  for (std::size_t r = 0; r < s.refits.size(); ++r) {
    const auto& f = s.refits[r];
    const auto ri = static_cast<std::int64_t>(r);
    out[3].rows.push_back({ri, f.date, f.train_first, f.train_last, f.label_last,
                           std::int64_t{f.train_examples}, std::int64_t{f.validation_examples},
                           std::int64_t{f.best_epoch}, std::int64_t{f.epochs_run}, f.seconds,
                           static_cast<std::int64_t>(f.model.weights.size()),
                           weights_checksum(f.model.weights)});
    for (std::size_t j = 0; j < f.model.input_mean.size(); ++j)
      out[4].rows.push_back(
          {ri, static_cast<std::int64_t>(j), f.model.input_mean[j], f.model.input_sd[j]});
    const std::string blob = weights_to_base64(f.model.weights);
    for (std::size_t i = 0; i * kChunkChars < blob.size(); ++i)
      out[5].rows.push_back(
          {ri, static_cast<std::int64_t>(i), blob.substr(i * kChunkChars, kChunkChars)});
    for (std::size_t e = 0; e < f.train_loss.size(); ++e)
      out[6].rows.push_back({ri, static_cast<std::int64_t>(e + 1), f.train_loss[e],
                             e < f.validation_loss.size() ? f.validation_loss[e] : std::nan("")});
  }
  return out;
}

StoredAttention neural_attention_from_tables(const store::ArtefactHeader& header,
                                             const std::vector<store::ArtefactTable>& tables) {
  const std::string what = "neural model " + header.version;
  if (tables.size() != 7 || tables[0].rows.size() != 1)
    throw Error(ErrorCode::kDataError, what + ": settings must hold one row");
  StoredAttention s;
  s.version = header.version;
  const Reader r{what, tables[0].rows.front()};
  s.feature_version = r.text(0);
  s.target_version = r.text(1);
  s.horizon = r.small(2);
  s.refit_every_months = r.small(3);
  s.min_train_examples = r.small(4);
  s.spec.inputs = r.small(5);
  s.spec.hidden = r.small(6);
  s.spec.heads = r.small(7);
  s.spec.classes = r.small(8);
  s.spec.window = r.small(9);
  s.spec.dropout = r.real(10);
  s.training.epochs = r.small(11);
  s.training.patience = r.small(12);
  s.training.batch = r.small(13);
  s.training.learning_rate = r.real(14);
  s.training.weight_decay = r.real(15);
  s.training.validation_fraction = r.real(16);
  s.training.seed = std::bit_cast<std::uint64_t>(r.integer(17));
  s.training.threads = r.small(18);
  for (const auto& row : tables[1].rows) {
    const Reader x{what, row};
    s.class_names.push_back(x.text(1));
    s.class_members.push_back(split(x.text(2)));
  }
  for (const auto& row : tables[2].rows) s.feature_names.push_back(Reader{what, row}.text(1));
  std::vector<std::string> checksums;
  std::vector<std::size_t> counts;
  for (const auto& row : tables[3].rows) {
    const Reader x{what, row};
    StoredAttentionRefit f;
    f.date = x.date(1);
    f.train_first = x.date(2);
    f.train_last = x.date(3);
    f.label_last = x.date(4);
    f.train_examples = x.small(5);
    f.validation_examples = x.small(6);
    f.best_epoch = x.small(7);
    f.epochs_run = x.small(8);
    f.seconds = x.real(9);
    counts.push_back(static_cast<std::size_t>(x.integer(10)));
    checksums.push_back(x.text(11));
    f.model.spec = s.spec;
    f.model.feature_names = s.feature_names;
    f.model.class_names = s.class_names;
    f.model.train_first = f.train_first.iso();
    f.model.train_last = f.train_last.iso();
    f.model.seed = s.training.seed;
    f.model.threads = s.training.threads;
    s.refits.push_back(std::move(f));
  }
  const auto refit_of = [&](const Reader& x) -> StoredAttentionRefit& {
    const auto i = x.integer(0);
    if (i < 0 || static_cast<std::size_t>(i) >= s.refits.size())
      throw Error(ErrorCode::kDataError,
                  what + ": a row names refit " + std::to_string(i) + ", which is not stored");
    return s.refits[static_cast<std::size_t>(i)];
  };
  for (const auto& row : tables[4].rows) {
    const Reader x{what, row};
    auto& f = refit_of(x);
    f.model.input_mean.push_back(x.real(2));
    f.model.input_sd.push_back(x.real(3));
  }
  std::vector<std::string> blobs(s.refits.size());
  for (const auto& row : tables[5].rows) {
    const Reader x{what, row};
    refit_of(x);
    blobs[static_cast<std::size_t>(x.integer(0))] += x.text(2);
  }
  for (std::size_t i = 0; i < s.refits.size(); ++i) {
    s.refits[i].model.weights = weights_from_base64(
        blobs[i], counts[i], checksums[i],
        what + " refit " + std::to_string(i) + " (" + s.refits[i].date.iso() + ")");
  }
  for (const auto& row : tables[6].rows) {
    const Reader x{what, row};
    auto& f = refit_of(x);
    f.train_loss.push_back(x.real(2));
    f.validation_loss.push_back(x.real(3));
  }
  return s;
}

std::string attention_evaluation_to_json(const AttentionEvaluation& e) {
  nlohmann::json j;
  j["version"] = e.version;
  j["target_version"] = e.target_version;
  j["horizon"] = e.horizon;
  j["first"] = e.first.iso();
  j["last"] = e.last.iso();
  j["classes"] = e.class_names;
  j["persistence_rule"] = e.persistence_rule;
  j["markov_source"] = e.markov_source;
  j["forecasts"] = nlohmann::json::array();
  for (const auto& row : e.rows) {
    nlohmann::json r;
    r["forecast"] = row.name;
    r["n"] = row.forecasts;
    r["log_loss"] = number(row.log_loss);
    r["brier"] = number(row.brier);
    r["accuracy"] = number(row.accuracy);
    r["calibration"] = nlohmann::json::array();
    for (const auto& b : row.calibration) {
      r["calibration"].push_back({{"bin_lower", b.lower},
                                  {"bin_upper", b.upper},
                                  {"count", b.count},
                                  {"mean_forecast", number(b.mean_forecast)},
                                  {"observed", number(b.observed)}});
    }
    j["forecasts"].push_back(std::move(r));
  }
  return j.dump(2) + "\n";
}

std::string attention_evaluation_to_csv(const AttentionEvaluation& e) {
  std::string out = "forecast,n,log_loss,brier,accuracy\n";
  for (const auto& r : e.rows)
    out += fmt::format("{},{},{:.6f},{:.6f},{:.6f}\n", r.name, r.forecasts, r.log_loss, r.brier,
                       r.accuracy);
  out += "\nforecast,bin_lower,bin_upper,count,mean_forecast,observed\n";
  for (const auto& r : e.rows) {
    for (const auto& b : r.calibration) {
      out += fmt::format(
          "{},{:.1f},{:.1f},{},{},{}\n", r.name, b.lower, b.upper, b.count,
          std::isfinite(b.mean_forecast) ? fmt::format("{:.6f}", b.mean_forecast) : std::string(),
          std::isfinite(b.observed) ? fmt::format("{:.6f}", b.observed) : std::string());
    }
  }
  return out;
}

nlohmann::json attention_latest_document(const AttentionLatest& l) {
  nlohmann::json j;
  j["version"] = l.version;
  j["feature_version"] = l.feature_version;
  j["date"] = l.date.iso();
  j["refit_date"] = l.refit_date.iso();
  j["horizon"] = l.horizon;
  j["regime"] = l.regime;
  nlohmann::json p = nlohmann::json::object();
  for (std::size_t c = 0; c < l.class_names.size() && c < l.probabilities.size(); ++c)
    p[l.class_names[c]] = l.probabilities[c];
  j["probabilities"] = std::move(p);
  j["labels"] = l.class_names;
  return j;
}

std::string attention_latest_to_json(const AttentionLatest& l) {
  return attention_latest_document(l).dump(2) + "\n";
}

}  // namespace mre::codec
