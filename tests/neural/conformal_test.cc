// The split conformal quantile and interval checks (neural/conformal.h) by hand: k = ceil((n + 1)
// level) on small score sets, a level a rounding error above an integer, too few calibration rows
// and a level outside (0, 1) refused naming the parameter.
#include "mre/neural/conformal.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "mre/core/error.h"

namespace mre::neural {
namespace {

Vector nine_scores() {
  Vector s(9);
  s << 0.5, 0.1, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6;
  return s;
}

TEST(ConformalQuantile, IsTheCeilNPlusOneLevelSmallestScoreByHand) {
  // n = 9. level 0.9: (9 + 1) 0.9 = 9 -> the 9th smallest, 0.9 (0.9 * 10 is 9.000000000000002 in
  // binary: the 10th would not exist). level 0.8: 8 -> 0.8. level 0.5: 5 -> 0.5. level 0.75:
  // 7.5 -> ceil 8 -> 0.8. level 0.05: 0.5 -> 1 -> the smallest, 0.1.
  const Vector s = nine_scores();
  EXPECT_DOUBLE_EQ(conformal_quantile(s, 0.9), 0.9);
  EXPECT_DOUBLE_EQ(conformal_quantile(s, 0.8), 0.8);
  EXPECT_DOUBLE_EQ(conformal_quantile(s, 0.5), 0.5);
  EXPECT_DOUBLE_EQ(conformal_quantile(s, 0.75), 0.8);
  EXPECT_DOUBLE_EQ(conformal_quantile(s, 0.05), 0.1);
}

TEST(ConformalQuantile, RefusesTooFewRowsAndALevelOutsideTheUnitInterval) {
  const Vector s = nine_scores();
  // level 0.95 needs ceil(10 * 0.95) = 10 > 9 rows.
  try {
    conformal_quantile(s, 0.95);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(e.what()).find("calibration"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("at least 19 rows"), std::string::npos) << e.what();
  }
  for (const double level : {0.0, 1.0, -0.1, 1.5, std::nan("")}) {
    try {
      conformal_quantile(s, level);
      FAIL() << "no error for level " << level;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("'level'"), std::string::npos) << e.what();
    }
  }
  Vector bad = s;
  bad(4) = std::nan("");
  EXPECT_THROW(conformal_quantile(bad, 0.5), Error);
}

TEST(ConformalIntervals, NormalisedScoresCoverageAndWidthByHand) {
  // Residuals 1, -2, 3 with sigma 1, 1, 2: scores 1, 2, 1.5. q = 1.5 covers rows 0 and 2
  // (|r| <= q sigma: 1 <= 1.5, 2 > 1.5, 3 <= 3): 2/3; mean width 2 * 1.5 * (1 + 1 + 2) / 3 = 4.
  Vector r(3), sigma(3);
  r << 1.0, -2.0, 3.0;
  sigma << 1.0, 1.0, 2.0;
  const Vector scores = normalised_scores(r, sigma);
  EXPECT_DOUBLE_EQ(scores(0), 1.0);
  EXPECT_DOUBLE_EQ(scores(1), 2.0);
  EXPECT_DOUBLE_EQ(scores(2), 1.5);
  const auto check = check_intervals(r, sigma, 1.5);
  EXPECT_DOUBLE_EQ(check.coverage, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(check.mean_width, 4.0);
  EXPECT_EQ(check.rows, 3);
  sigma(1) = 0.0;
  try {
    normalised_scores(r, sigma);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(e.what()).find("sigma of row 1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mre::neural
