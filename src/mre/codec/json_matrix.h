// Matrices as JSON lists of rows, shared by the codecs (HMM parameters, the classifier model).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "mre/core/linalg.h"

namespace mre::codec {

nlohmann::json matrix_json(const Matrix& m);
// InvalidArgument "SOURCE: 'FIELD' ..." unless `j` is a non-empty list of equally long lists of
// numbers.
Matrix matrix_from_json(const nlohmann::json& j, const std::string& source,
                        const std::string& field);

}  // namespace mre::codec
