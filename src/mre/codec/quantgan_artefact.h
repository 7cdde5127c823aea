// A trained conditional Quant GAN shock generator (issue 25, `mre scm generators train`) as a
// generic artefact (kind "quantgan", store/artefact.h): its settings, each series' Lambert W
// preprocessing, the regime labels it is conditioned on, the training trace, and the generator's
// weights as a blob (float32 little-endian, base64 text in chunks) with an FNV-1a 64-bit checksum
// of the bytes, checked on every read. The kind's tables never change shape.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mre/neural/quant_gan.h"
#include "mre/store/artefact.h"

namespace mre::codec {

struct StoredQuantGan {
  std::string version{};
  std::string scm_version{};                 // the SCM version whose shocks trained it
  std::vector<std::string> series{};         // the equations' nodes, in the generator's order
  std::vector<std::string> regime_labels{};  // the condition's classes, in label order
  std::string regime_source{};               // where the labels came from
  neural::QuantGanModel model{};
};

// The weights' checksum: FNV-1a 64 over the float32 little-endian bytes, 16 hex digits. Detects
// accidental corruption, not tampering.
std::string weights_checksum(const std::vector<float>& weights);
// The weights' blob: base64 of the float32 little-endian bytes (also the neural_attention kind's).
std::string weights_to_base64(const std::vector<float>& weights);
// The inverse, checked: DataError "<what>: the weights blob is corrupt (...)" when the text is not
// base64, or its size is not `count` floats, or its checksum differs from `checksum`.
std::vector<float> weights_from_base64(const std::string& text, std::size_t count,
                                       const std::string& checksum, const std::string& what);

// Tables "settings", "series", "regimes", "weights", "trace".
const store::ArtefactKind& quantgan_kind();
std::vector<store::ArtefactTable> quantgan_tables(const StoredQuantGan& stored);
// From the tables as read back, in quantgan_kind()'s order. DataError naming the version for rows
// of the wrong shape, undecodable weights, or weights whose checksum or count differs from the
// stored one ("corrupt").
StoredQuantGan quantgan_from_tables(const store::ArtefactHeader& header,
                                    const std::vector<store::ArtefactTable>& tables);

}  // namespace mre::codec
