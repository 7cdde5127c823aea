// The walk-forward attention regime model (issue 24, `mre neural train`) as a generic artefact
// (kind "neural_attention", store/artefact.h) beside the ordinary regime version of the same tag
// that holds its probabilities: the settings, the class mapping, the feature names, and per refit
// its training window, standardisation, training trace and weights (a blob: base64 of float32
// little-endian bytes with an FNV-1a 64 checksum, checked on every read). Also the JSON of
// `neural evaluate` and of the serving route. The kind's tables never change shape.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "mre/core/date.h"
#include "mre/neural/attention.h"
#include "mre/neural/forecast_scores.h"
#include "mre/store/artefact.h"

namespace mre::codec {

struct StoredAttentionRefit {
  Date date{};  // first date served
  Date train_first{};
  Date train_last{};
  Date label_last{};
  int train_examples = 0;
  int validation_examples = 0;
  int best_epoch = 0;
  int epochs_run = 0;
  double seconds = 0.0;
  std::vector<double> train_loss{};
  std::vector<double> validation_loss{};
  neural::AttentionModel model{};  // spec, names, standardisation, weights
};

struct StoredAttention {
  std::string version{};
  std::string feature_version{};
  std::string target_version{};
  int horizon = 0;
  int refit_every_months = 6;
  int min_train_examples = 0;
  neural::AttentionSpec spec{};
  neural::AttentionTraining training{};
  std::vector<std::string> feature_names{};
  std::vector<std::string> class_names{};
  std::vector<std::vector<std::string>> class_members{};  // per class: the target's labels
  std::vector<StoredAttentionRefit> refits{};
};

// Tables "settings", "classes", "features", "refits", "standardisation", "weights", "trace".
const store::ArtefactKind& neural_attention_kind();
std::vector<store::ArtefactTable> neural_attention_tables(const StoredAttention& stored);
// From the tables as read back, in neural_attention_kind()'s order. DataError naming the version
// and refit for rows of the wrong shape or a corrupt weights blob (checksum or size).
StoredAttention neural_attention_from_tables(const store::ArtefactHeader& header,
                                             const std::vector<store::ArtefactTable>& tables);

// `neural evaluate`: the out-of-sample scores of the model and its two baselines.
struct AttentionEvaluation {
  std::string version{};
  std::string target_version{};
  int horizon = 0;
  Date first{};  // first and last forecast date scored
  Date last{};
  std::vector<std::string> class_names{};
  std::vector<neural::ForecastScores> rows{};  // model, persistence, markov
  std::string persistence_rule{};
  std::string markov_source{};
};
std::string attention_evaluation_to_json(const AttentionEvaluation& e);
// Two CSV tables one after the other: "forecast,n,log_loss,brier,accuracy" then a blank line and
// "forecast,bin_lower,bin_upper,count,mean_forecast,observed".
std::string attention_evaluation_to_csv(const AttentionEvaluation& e);

// The serving route's answer: the latest observation classified by the last refit.
struct AttentionLatest {
  std::string version{};
  std::string feature_version{};
  Date date{};        // the window's last day (t)
  Date refit_date{};  // the refit whose weights were used
  int horizon = 0;    // the probabilities are of the class at t + horizon rows
  std::vector<std::string> class_names{};
  std::vector<double> probabilities{};
  std::string regime{};  // the most probable class
};
// As a document (the API returns it, encoded once) and as its text (indent 2, a final newline).
nlohmann::json attention_latest_document(const AttentionLatest& latest);
std::string attention_latest_to_json(const AttentionLatest& latest);

}  // namespace mre::codec
