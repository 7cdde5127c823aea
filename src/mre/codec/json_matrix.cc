// See json_matrix.h.
#include "mre/codec/json_matrix.h"

#include "mre/core/error.h"

namespace mre::codec {

nlohmann::json matrix_json(const Matrix& m) {
  nlohmann::json rows = nlohmann::json::array();
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    nlohmann::json row = nlohmann::json::array();
    for (Eigen::Index j = 0; j < m.cols(); ++j) row.push_back(m(i, j));
    rows.push_back(std::move(row));
  }
  return rows;
}

Matrix matrix_from_json(const nlohmann::json& j, const std::string& source,
                        const std::string& field) {
  const auto bad = [&](const std::string& what) {
    throw Error(ErrorCode::kInvalidArgument, source + ": '" + field + "' " + what);
  };
  if (!j.is_array() || j.empty() || !j.front().is_array()) bad("must be a list of rows");
  const auto rows = static_cast<Eigen::Index>(j.size());
  const auto cols = static_cast<Eigen::Index>(j.front().size());
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i) {
    const auto& row = j[static_cast<std::size_t>(i)];
    if (!row.is_array() || static_cast<Eigen::Index>(row.size()) != cols) {
      bad("row " + std::to_string(i) + " has the wrong length");
    }
    for (Eigen::Index c = 0; c < cols; ++c) {
      if (!row[static_cast<std::size_t>(c)].is_number()) bad("holds a non-number");
      m(i, c) = row[static_cast<std::size_t>(c)].get<double>();
    }
  }
  return m;
}

}  // namespace mre::codec
