// See quantgan_artefact.h.
#include "mre/codec/quantgan_artefact.h"

#include <array>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "mre/core/error.h"

namespace mre::codec {

namespace {

using store::ColumnType;

constexpr std::size_t kChunkChars = 65536;  // base64 characters per weights row
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::vector<unsigned char> weight_bytes(const std::vector<float>& w) {
  std::vector<unsigned char> bytes(w.size() * 4);
  for (std::size_t i = 0; i < w.size(); ++i) {
    const auto u = std::bit_cast<std::uint32_t>(w[i]);
    for (int b = 0; b < 4; ++b) bytes[4 * i + static_cast<std::size_t>(b)] = (u >> (8 * b)) & 0xFF;
  }
  return bytes;
}

std::string base64(const std::vector<unsigned char>& in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < in.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t{in[i]} << 16) |
                            (i + 1 < in.size() ? std::uint32_t{in[i + 1]} << 8 : 0) |
                            (i + 2 < in.size() ? std::uint32_t{in[i + 2]} : 0);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

std::vector<unsigned char> unbase64(const std::string& in, const std::string& what) {
  std::array<int, 256> value{};
  value.fill(-1);
  for (int i = 0; i < 64; ++i) value[static_cast<unsigned char>(kAlphabet[i])] = i;
  const auto corrupt = [&] {
    return Error(ErrorCode::kDataError, what + ": the weights blob is corrupt (not base64)");
  };
  if (in.size() % 4 != 0) throw corrupt();
  std::vector<unsigned char> out;
  out.reserve(in.size() / 4 * 3);
  for (std::size_t i = 0; i < in.size(); i += 4) {
    std::uint32_t n = 0;
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = in[i + static_cast<std::size_t>(k)];
      int v = 0;
      if (c == '=' && i + 4 == in.size() && k >= 2) {
        ++pad;
      } else {
        v = value[static_cast<unsigned char>(c)];
        if (v < 0 || pad > 0) throw corrupt();
      }
      n = (n << 6) | static_cast<std::uint32_t>(v);
    }
    out.push_back(static_cast<unsigned char>((n >> 16) & 0xFF));
    if (pad < 2) out.push_back(static_cast<unsigned char>((n >> 8) & 0xFF));
    if (pad < 1) out.push_back(static_cast<unsigned char>(n & 0xFF));
  }
  return out;
}

std::string fnv1a64_hex(const std::vector<unsigned char>& bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char b : bytes) {
    h ^= b;
    h *= 0x100000001b3ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

struct Reader {
  std::string version;
  const store::Row& row;
  [[noreturn]] void bad(std::size_t i, const char* type) const {
    throw Error(ErrorCode::kDataError,
                "quantgan " + version + ": column " + std::to_string(i) + " is not " + type);
  }
  double real(std::size_t i) const {
    if (i < row.size()) {
      if (const auto* v = std::get_if<double>(&row[i])) return *v;
    }
    bad(i, "a real number");
  }
  std::int64_t integer(std::size_t i) const {
    if (i < row.size()) {
      if (const auto* v = std::get_if<std::int64_t>(&row[i])) return *v;
    }
    bad(i, "an integer");
  }
  std::string text(std::size_t i) const {
    if (i < row.size()) {
      if (const auto* v = std::get_if<std::string>(&row[i])) return *v;
    }
    bad(i, "text");
  }
};

}  // namespace

std::string weights_checksum(const std::vector<float>& weights) {
  return fnv1a64_hex(weight_bytes(weights));
}

std::string weights_to_base64(const std::vector<float>& weights) {
  return base64(weight_bytes(weights));
}

std::vector<float> weights_from_base64(const std::string& text, std::size_t count,
                                       const std::string& checksum, const std::string& what) {
  const auto bytes = unbase64(text, what);
  if (bytes.size() != count * 4 || fnv1a64_hex(bytes) != checksum) {
    throw Error(ErrorCode::kDataError,
                what + ": the weights blob is corrupt (checksum or size differs from the stored " +
                    checksum + ", " + std::to_string(count) + " weights)");
  }
  std::vector<float> w(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::uint32_t u = 0;
    for (int b = 0; b < 4; ++b)
      u |= std::uint32_t{bytes[4 * i + static_cast<std::size_t>(b)]} << (8 * b);
    w[i] = std::bit_cast<float>(u);
  }
  return w;
}

const store::ArtefactKind& quantgan_kind() {
  static const store::ArtefactKind kKind{
      "quantgan",
      {{"settings",
        {{"hidden", ColumnType::kInteger},
         {"levels", ColumnType::kInteger},
         {"noise_channels", ColumnType::kInteger},
         {"window", ColumnType::kInteger},
         {"steps", ColumnType::kInteger},
         {"critic_steps", ColumnType::kInteger},
         {"batch", ColumnType::kInteger},
         {"gradient_penalty", ColumnType::kReal},
         {"learning_rate", ColumnType::kReal},
         {"seed", ColumnType::kInteger},
         {"threads", ColumnType::kInteger},
         {"series", ColumnType::kInteger},
         {"regimes", ColumnType::kInteger},
         {"seconds", ColumnType::kReal},
         {"regime_source", ColumnType::kText},
         {"weights_count", ColumnType::kInteger},
         {"weights_checksum", ColumnType::kText}}},
       {"series",
        {{"series", ColumnType::kText, true},
         {"mu", ColumnType::kReal},
         {"sigma", ColumnType::kReal},
         {"delta", ColumnType::kReal},
         {"gaussian_mean", ColumnType::kReal},
         {"gaussian_sd", ColumnType::kReal}}},
       {"regimes", {{"regime", ColumnType::kInteger, true}, {"label", ColumnType::kText}}},
       {"weights", {{"chunk", ColumnType::kInteger, true}, {"data", ColumnType::kText}}},
       {"trace",
        {{"step", ColumnType::kInteger, true},
         {"critic_loss", ColumnType::kReal},
         {"generator_loss", ColumnType::kReal}}}}};
  return kKind;
}

std::vector<store::ArtefactTable> quantgan_tables(const StoredQuantGan& s) {
  const auto& m = s.model;
  const auto& c = m.config;
  std::vector<store::ArtefactTable> out(5);
  out[0].name = "settings";
  out[0].rows.push_back({std::int64_t{c.hidden}, std::int64_t{c.levels},
                         std::int64_t{c.noise_channels}, std::int64_t{c.window},
                         std::int64_t{c.steps}, std::int64_t{c.critic_steps}, std::int64_t{c.batch},
                         c.gradient_penalty, c.learning_rate, std::bit_cast<std::int64_t>(c.seed),
                         std::int64_t{c.threads}, std::int64_t{m.series}, std::int64_t{m.regimes},
                         m.seconds, s.regime_source, static_cast<std::int64_t>(m.weights.size()),
                         weights_checksum(m.weights)});
  out[1].name = "series";
  for (std::size_t j = 0; j < m.lambert.size(); ++j) {
    out[1].rows.push_back({j < s.series.size() ? s.series[j] : std::to_string(j), m.lambert[j].mu,
                           m.lambert[j].sigma, m.lambert[j].delta, m.gaussian_mean[j],
                           m.gaussian_sd[j]});
  }
  out[2].name = "regimes";
  for (std::size_t k = 0; k < s.regime_labels.size(); ++k)
    out[2].rows.push_back({static_cast<std::int64_t>(k), s.regime_labels[k]});
  out[3].name = "weights";
  const std::string blob = base64(weight_bytes(m.weights));
  for (std::size_t i = 0; i * kChunkChars < blob.size(); ++i)
    out[3].rows.push_back(
        {static_cast<std::int64_t>(i), blob.substr(i * kChunkChars, kChunkChars)});
  out[4].name = "trace";
  for (std::size_t i = 0; i < m.critic_loss.size(); ++i) {
    out[4].rows.push_back({static_cast<std::int64_t>(i), m.critic_loss[i],
                           i < m.generator_loss.size() ? m.generator_loss[i] : std::nan("")});
  }
  return out;
}

StoredQuantGan quantgan_from_tables(const store::ArtefactHeader& header,
                                    const std::vector<store::ArtefactTable>& tables) {
  StoredQuantGan s;
  s.version = header.version;
  if (const auto it = header.inputs.find("scm_version"); it != header.inputs.end())
    s.scm_version = it->second;
  if (tables.size() != 5 || tables[0].rows.size() != 1) {
    throw Error(ErrorCode::kDataError,
                "quantgan " + header.version + ": settings must hold one row");
  }
  auto& m = s.model;
  auto& c = m.config;
  const Reader r{header.version, tables[0].rows.front()};
  c.hidden = static_cast<int>(r.integer(0));
  c.levels = static_cast<int>(r.integer(1));
  c.noise_channels = static_cast<int>(r.integer(2));
  c.window = static_cast<int>(r.integer(3));
  c.steps = static_cast<int>(r.integer(4));
  c.critic_steps = static_cast<int>(r.integer(5));
  c.batch = static_cast<int>(r.integer(6));
  c.gradient_penalty = r.real(7);
  c.learning_rate = r.real(8);
  c.seed = std::bit_cast<std::uint64_t>(r.integer(9));
  c.threads = static_cast<int>(r.integer(10));
  m.series = static_cast<int>(r.integer(11));
  m.regimes = static_cast<int>(r.integer(12));
  m.seconds = r.real(13);
  s.regime_source = r.text(14);
  const auto count = r.integer(15);
  const std::string checksum = r.text(16);
  for (const auto& row : tables[1].rows) {
    const Reader x{header.version, row};
    s.series.push_back(x.text(0));
    m.lambert.push_back({.mu = x.real(1), .sigma = x.real(2), .delta = x.real(3)});
    m.gaussian_mean.push_back(x.real(4));
    m.gaussian_sd.push_back(x.real(5));
  }
  for (const auto& row : tables[2].rows)
    s.regime_labels.push_back(Reader{header.version, row}.text(1));
  std::string blob;
  for (const auto& row : tables[3].rows) blob += Reader{header.version, row}.text(1);
  const auto bytes = unbase64(blob, "quantgan " + header.version);
  if (bytes.size() != static_cast<std::size_t>(count) * 4 || fnv1a64_hex(bytes) != checksum) {
    throw Error(ErrorCode::kDataError,
                "quantgan " + header.version +
                    ": the weights blob is corrupt (checksum or size differs from the stored " +
                    checksum + ", " + std::to_string(count) + " weights)");
  }
  m.weights.resize(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < m.weights.size(); ++i) {
    std::uint32_t u = 0;
    for (int b = 0; b < 4; ++b)
      u |= std::uint32_t{bytes[4 * i + static_cast<std::size_t>(b)]} << (8 * b);
    m.weights[i] = std::bit_cast<float>(u);
  }
  for (const auto& row : tables[4].rows) {
    const Reader x{header.version, row};
    m.critic_loss.push_back(x.real(1));
    m.generator_loss.push_back(x.real(2));
  }
  return s;
}

}  // namespace mre::codec
