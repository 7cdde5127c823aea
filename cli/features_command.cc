// `mre features build|list|export`: versioned feature sets from the raw series in the store.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "mre/core/error.h"
#include "mre/core/format.h"
#include "mre/store/store.h"
#include "mre/workflows/build_features.h"

namespace mre::cli {
namespace {

struct FeaturesArgs {
  CommonOptions common;
  std::string spec;
  std::string version;
  std::string format = "table";
  std::string from;
  std::string to;
  std::string out;
};

// Export header name: a proxy column says so in its name, e.g. "mmd_ust_ratio_10y[proxy]".
std::string column_label(const store::FeatureColumn& column) {
  return column.proxy.empty() ? column.name : column.name + "[proxy]";
}

int build(const FeaturesArgs& args) {
  auto store = store::open_store(args.common.db, true);
  const auto report = workflows::build_features(
      *store,
      {.spec_path = args.spec, .version = args.version, .universe_path = args.common.universe});
  print_build_report(report);
  return 0;
}

int list(const FeaturesArgs& args) {
  check_format(args.format);
  auto store = store::open_store(args.common.db, false);
  const auto versions = store->list_feature_versions();
  Listing out{.columns = {"version", "spec_name", "spec_hash", "frequency", "features", "values",
                          "first", "last", "data_watermark", "created_at", "proxies"}};
  for (const auto& v : versions) {
    std::string proxies;
    for (const auto& c : v.columns) {
      if (c.proxy.empty()) continue;
      if (!proxies.empty()) proxies += ' ';
      proxies += c.name;
    }
    out.rows.push_back({v.version, v.spec_name, v.spec_hash, v.frequency,
                        std::to_string(v.columns.size()), std::to_string(v.values),
                        v.first ? v.first->iso() : "", v.last ? v.last->iso() : "",
                        v.data_watermark, v.created_at.iso(), proxies});
  }
  print_listing(out, args.format);
  if (versions.empty()) say("no feature versions yet; build one with 'mre features build'");
  return 0;
}

int export_version(const FeaturesArgs& args) {
  check_output_option(args.out, "--out");
  auto store = store::open_store(args.common.db, false);
  const auto info = store->find_feature_version(args.version);
  if (!info) {
    throw Error(ErrorCode::kNotFound, "no feature version '" + args.version + "' in " +
                                          store->describe() + " (see 'mre features list')");
  }
  const auto [from, to] = parse_date_range(args.from, args.to);
  const Panel panel = store->read_features(args.version, from, to);
  std::string text = "date";
  for (const auto& c : info->columns) text += "," + column_label(c);
  text += '\n';
  for (std::size_t t = 0; t < panel.rows(); ++t) {
    text += panel.dates()[t].iso();
    for (std::size_t c = 0; c < panel.cols(); ++c) {
      text += ',';
      text += format_double(panel.column(c)[t]);
    }
    text += '\n';
  }
  write_output(args.out, text, "--out");
  if (!args.out.empty() && args.out != "-") {
    say(fmt::format("wrote {} rows x {} features of {} to {}", panel.rows(), panel.cols(),
                    args.version, args.out));
  }
  for (const auto& c : info->columns) {
    if (!c.proxy.empty()) say("note: column " + column_label(c) + " is a PROXY: " + c.proxy);
  }
  return 0;
}

}  // namespace

void print_build_report(const workflows::BuildFeaturesReport& report) {
  if (report.written) {
    say(fmt::format("features {}: {} features, {} values written (spec hash {}, data as of {})",
                    report.version, report.features, report.values, report.spec_hash,
                    report.data_watermark));
  } else {
    say(fmt::format("features {}: already built from this spec and data; nothing written",
                    report.version));
  }
  for (const auto& p : report.proxies) say("  proxy " + p);
}

void register_features(CLI::App& app, Action& action) {
  auto* features = app.add_subcommand(
      "features", "Versioned, look-ahead-free feature sets built from the raw series");
  features->require_subcommand(1);

  auto build_args = std::make_shared<FeaturesArgs>();
  auto* build_cmd = features->add_subcommand(
      "build",
      "Compute a feature set from a spec (config/features/*.yml) and store it under a version\n"
      "tag. The tag is bound to the spec's hash and to the data it read: building the same tag\n"
      "again with the same spec and data does nothing; with a different spec or newer data it\n"
      "is refused (versions are never overwritten: use a new tag, or --version auto).\n"
      "Example: mre features build --spec config/features/macro_ltv.yml --version F1");
  add_common_options(*build_cmd, build_args->common);
  build_cmd->add_option("--spec", build_args->spec, "The feature spec (YAML)")->required();
  build_cmd
      ->add_option("--version", build_args->version,
                   "Version tag ([A-Za-z0-9_.-], up to 64), or 'auto' for F_<name>_<hash>")
      ->required();
  build_cmd->callback(
      [build_args, &action] { action = [build_args] { return build(*build_args); }; });

  auto list_args = std::make_shared<FeaturesArgs>();
  auto* list_cmd = features->add_subcommand(
      "list", "Feature versions: spec, frequency, size, date range, proxy columns");
  add_common_options(*list_cmd, list_args->common);
  add_format_option(*list_cmd, list_args->format);
  list_cmd->callback([list_args, &action] { action = [list_args] { return list(*list_args); }; });

  auto export_args = std::make_shared<FeaturesArgs>();
  auto* export_cmd = features->add_subcommand(
      "export",
      "Write a feature version as a wide CSV: date, then one column per feature; empty = missing.\n"
      "Proxy columns are named NAME[proxy] and explained on stderr.");
  add_common_options(*export_cmd, export_args->common);
  export_cmd->add_option("--version", export_args->version, "The version tag")->required();
  export_cmd->add_option("--from", export_args->from, "First date, YYYY-MM-DD");
  export_cmd->add_option("--to", export_args->to, "Last date, YYYY-MM-DD");
  export_cmd->add_option("--out", export_args->out,
                         "Output file (default or '-': stdout); written to a temporary file beside "
                         "it, fsynced and renamed, so a failure (full disk) keeps the previous "
                         "file; a directory, symlink, device or FIFO is refused");
  export_cmd->callback(
      [export_args, &action] { action = [export_args] { return export_version(*export_args); }; });
}

}  // namespace mre::cli
