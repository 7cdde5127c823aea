// See mapping_report.h.
#include "mre/narrative/mapping_report.h"

#include <cstdio>
#include <sstream>

namespace mre::narrative {
namespace {

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string pad(std::string text, std::size_t width) {
  if (text.size() < width) text.insert(0, width - text.size(), ' ');
  return text;
}

}  // namespace

std::string classifier_mapping_report(const MappingReportFacts& facts) {
  std::ostringstream out;
  out << "classifier " << facts.version << " (spec " << facts.spec_name << ", trained on "
      << facts.source << " from " << facts.trained_from << " to " << facts.trained_to << ")\n";
  if (facts.retrain_due) {
    out << "retraining due: " << facts.retrain_due->iso() << " (every "
        << facts.retrain_every_months << " months, MR-AI-04)\n";
  }
  for (const auto& m : facts.models) {
    const int K = static_cast<int>(m.labels.size());
    const auto label = [&](int r) { return m.labels[static_cast<std::size_t>(r)]; };
    out << "\n== model " << m.name << ": " << K << "-state Gaussian HMM on " << m.indicators.size()
        << " indicators ==\n";
    out << "state z-scores (state mean - training mean) / training std:\n" << pad("indicator", 32);
    for (int s = 0; s < K; ++s) out << pad("S" + std::to_string(s), 9);
    out << "\n";
    for (std::size_t i = 0; i < m.indicators.size(); ++i) {
      out << pad(m.indicators[i], 32);
      for (int s = 0; s < K; ++s)
        out << pad(fixed(m.state_z[static_cast<std::size_t>(s)][i], 2), 9);
      out << "\n";
    }
    out << "distance to each label's target profile (root mean square over the indicators the "
           "label defines):\n"
        << pad("state", 8);
    for (const auto& l : m.labels) out << pad(l, 24);
    out << "\n";
    for (int s = 0; s < K; ++s) {
      out << pad("S" + std::to_string(s), 8);
      for (int r = 0; r < K; ++r) {
        std::string cell =
            fixed(m.distance[static_cast<std::size_t>(s)][static_cast<std::size_t>(r)], 3);
        if (m.assigned[static_cast<std::size_t>(s)] == r) cell = "*" + cell;
        out << pad(cell, 24);
      }
      out << "\n";
    }
    out << "assignment (Hungarian method over the assignments MR-BR-03 allows, minimum total "
           "distance "
        << fixed(m.cost, 4) << "):\n";
    for (int s = 0; s < K; ++s) {
      const int a = m.assigned[static_cast<std::size_t>(s)];
      const int serve = m.serving[static_cast<std::size_t>(s)];
      out << "  S" << s << " -> " << label(a) << " (distance "
          << fixed(m.distance[static_cast<std::size_t>(s)][static_cast<std::size_t>(a)], 3) << ")";
      if (serve != a) out << ", served as " << label(serve);
      out << "; next best " << label(m.fallback[static_cast<std::size_t>(s)]) << "\n";
    }
    if (m.distress_state) {
      out << "MR-BR-03 check of S" << *m.distress_state
          << " (z ratio >= 1.5, z flows <= -1.5, z ratio - z high "
          << "yield >= 1.5): " << (m.distress_state_qualifies ? "met" : "NOT met")
          << (m.distress_state_qualifies
                  ? "; observations must also meet it on their own z-scores, else the state's "
                    "probability counts toward its next-best label"
                  : "; the state is not mapped to Idiosyncratic_Distress and serves its "
                    "next-best label")
          << "\n";
    }
    if (m.stress_state) {
      const int s = *m.stress_state;
      out << "most stressed state: S" << s << " (mean z of VIX, MOVE, IG and HY "
          << fixed(m.stress_score, 2) << ") serves "
          << label(m.serving[static_cast<std::size_t>(s)])
          << (m.stress_inversion
                  ? ": STRESS INVERSION (neither Recession_Easing nor Bull_Flattener)"
                  : "")
          << "\n";
    }
    for (const auto& line : m.unserved) out << "never served: " << line << "\n";
  }
  if (!facts.backfills.empty()) {
    std::string backfills;
    for (const auto& v : facts.backfills) backfills += " " + v;
    out << "\nbackfills of spec " << facts.spec_name
        << " (research output, UNAPPROVED, never served; "
        << "'mre classify mapping-report TAG' shows each retrain's mapping):" << backfills << "\n";
  }
  out << "\nsign-offs (MR-BR-10):";
  if (facts.sign_offs.empty())
    out << " none yet: 'mre classify approve " << facts.version << " --by NAME'";
  out << "\n";
  for (const auto& a : facts.sign_offs) {
    out << "  " << a.model << " approved by " << a.approved_by << " at " << a.approved_at << "\n";
  }
  return out.str();
}

}  // namespace mre::narrative
