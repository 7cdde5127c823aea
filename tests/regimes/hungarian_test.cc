// The Hungarian method against worked examples and against brute force over every assignment for
// random square (n <= 7) and rectangular (n < m <= 7) matrices with ties and negative costs.
#include "mre/regimes/mapping/hungarian.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "mre/core/error.h"

namespace mre::regimes::mapping {
namespace {

// The minimum over every injective row -> column map, by depth-first enumeration (m!/(m-n)!
// maps: at most 5,040 for the sizes here). Sums run in row order, as Assignment::cost does.
double brute_force_minimum(const Matrix& cost) {
  const auto n = static_cast<int>(cost.rows());
  const auto m = static_cast<int>(cost.cols());
  std::vector<bool> used(static_cast<std::size_t>(m), false);
  double best = std::numeric_limits<double>::infinity();
  auto visit = [&](auto&& self, int row, double sum) -> void {
    if (row == n) {
      best = std::min(best, sum);
      return;
    }
    for (int col = 0; col < m; ++col) {
      if (used[static_cast<std::size_t>(col)]) continue;
      used[static_cast<std::size_t>(col)] = true;
      self(self, row + 1, sum + cost(row, col));
      used[static_cast<std::size_t>(col)] = false;
    }
  };
  visit(visit, 0, 0.0);
  return best;
}

// Every row gets a column in range, no column twice, and `cost` is the sum of the chosen entries.
void expect_valid(const Assignment& a, const Matrix& cost) {
  ASSERT_EQ(a.column_of_row.size(), static_cast<std::size_t>(cost.rows()));
  std::vector<bool> taken(static_cast<std::size_t>(cost.cols()), false);
  double sum = 0;
  for (Eigen::Index r = 0; r < cost.rows(); ++r) {
    const int c = a.column_of_row[static_cast<std::size_t>(r)];
    ASSERT_GE(c, 0) << "row " << r;
    ASSERT_LT(c, cost.cols()) << "row " << r;
    EXPECT_FALSE(taken[static_cast<std::size_t>(c)]) << "column " << c << " used twice";
    taken[static_cast<std::size_t>(c)] = true;
    sum += cost(r, c);
  }
  EXPECT_EQ(a.cost, sum);  // the same additions in the same order
}

Matrix random_integer_costs(int n, int m, int low, int high, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> value(low, high);
  Matrix out(n, m);
  for (auto& v : out.reshaped()) v = value(rng);
  return out;
}

template <typename Call>
void expect_invalid_argument(Call&& call, const std::string& fragment) {
  try {
    call();
    ADD_FAILURE() << "expected InvalidArgument containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Hungarian, ThreeByThreeMatchesTheHandEnumeration) {
  // Rows Alice, Bob, Carol; columns bathroom, floors, windows. The six assignments:
  //   (0,1,2) 8+2+8 = 18, (0,2,1) 8+3+4 = 15, (1,0,2) 4+5+8 = 17,
  //   (1,2,0) 4+3+9 = 16, (2,0,1) 7+5+4 = 16, (2,1,0) 7+2+9 = 18  -> unique optimum 15.
  const Matrix cost = (Matrix(3, 3) << 8, 4, 7, 5, 2, 3, 9, 4, 8).finished();
  const auto a = hungarian(cost);
  expect_valid(a, cost);
  EXPECT_EQ(a.column_of_row, (std::vector<int>{0, 2, 1}));
  EXPECT_EQ(a.cost, 15.0);
}

TEST(Hungarian, FourByFourTextbookExampleCosts140) {
  // A widely reproduced worked example (workers x jobs), checked here by hand with the method:
  // row minima 69, 37, 5, 8, then column 3's minimum 15, give the lower bound 134 with zeros at
  // (0,2) (1,1) (2,2) (3,0) (3,3) - only three independent. Covering them with column 2 and rows
  // 1 and 3 leaves 6 as the smallest uncovered value; the step raises the bound to 140 and adds
  // a zero at (2,0). Independent zeros (0,2) (1,1) (2,0) (3,3): 69 + 37 + 11 + 23 = 140 meets the
  // bound, so it is optimal (and unique: no other set of four independent zeros exists).
  const Matrix cost = (Matrix(4, 4) << 82, 83, 69, 92,  //
                       77, 37, 49, 92,                  //
                       11, 69, 5, 86,                   //
                       8, 9, 98, 23)
                          .finished();
  const auto a = hungarian(cost);
  expect_valid(a, cost);
  EXPECT_EQ(a.column_of_row, (std::vector<int>{2, 1, 0, 3}));
  EXPECT_EQ(a.cost, 140.0);
  EXPECT_EQ(brute_force_minimum(cost), 140.0);  // and the enumeration agrees
}

TEST(Hungarian, SquareIntegerCostsMatchBruteForceExactly) {
  // Integer costs in [-5, 5]: sums are exact in double, so "equal" means equal, and the narrow
  // range makes ties between optimal assignments common.
  std::mt19937_64 rng(12345);
  for (int n = 1; n <= 7; ++n) {
    const int trials = n <= 5 ? 300 : 60;
    for (int trial = 0; trial < trials; ++trial) {
      const Matrix cost = random_integer_costs(n, n, -5, 5, rng);
      const auto a = hungarian(cost);
      SCOPED_TRACE("n " + std::to_string(n) + " trial " + std::to_string(trial));
      expect_valid(a, cost);
      EXPECT_EQ(a.cost, brute_force_minimum(cost));
    }
  }
}

TEST(Hungarian, SquareCostsWithHeavyTiesMatchBruteForce) {
  // Values in {0, 1}, a constant matrix, and a matrix with one repeated row: many optima.
  std::mt19937_64 rng(99);
  for (int n = 2; n <= 7; ++n) {
    for (int trial = 0; trial < 40; ++trial) {
      const Matrix cost = random_integer_costs(n, n, 0, 1, rng);
      const auto a = hungarian(cost);
      expect_valid(a, cost);
      EXPECT_EQ(a.cost, brute_force_minimum(cost)) << "n " << n << " trial " << trial;
    }
    const Matrix constant = Matrix::Constant(n, n, -3.0);
    const auto c = hungarian(constant);
    expect_valid(c, constant);
    EXPECT_EQ(c.cost, -3.0 * n);
    Matrix repeated = random_integer_costs(n, n, -9, 9, rng);
    for (int r = 1; r < n; ++r) repeated.row(r) = repeated.row(0);
    const auto d = hungarian(repeated);
    expect_valid(d, repeated);
    EXPECT_EQ(d.cost, repeated.row(0).sum());  // every assignment uses each column once
  }
}

TEST(Hungarian, RectangularIntegerCostsMatchBruteForceExactly) {
  // n < m: each row gets a distinct column and m - n columns stay free.
  std::mt19937_64 rng(777);
  for (int n = 1; n <= 5; ++n) {
    for (int m = n + 1; m <= 7; ++m) {
      for (int trial = 0; trial < 80; ++trial) {
        const Matrix cost = random_integer_costs(n, m, -6, 6, rng);
        const auto a = hungarian(cost);
        SCOPED_TRACE(std::to_string(n) + " x " + std::to_string(m) + " trial " +
                     std::to_string(trial));
        expect_valid(a, cost);
        EXPECT_EQ(a.cost, brute_force_minimum(cost));
      }
    }
  }
}

TEST(Hungarian, RealValuedCostsMatchBruteForce) {
  std::mt19937_64 rng(2024);
  std::uniform_real_distribution<double> value(-100.0, 100.0);
  for (int n = 1; n <= 7; ++n) {
    for (int m = n; m <= 7; ++m) {
      for (int trial = 0; trial < 20; ++trial) {
        Matrix cost(n, m);
        for (auto& v : cost.reshaped()) v = value(rng);
        const auto a = hungarian(cost);
        SCOPED_TRACE(std::to_string(n) + " x " + std::to_string(m) + " trial " +
                     std::to_string(trial));
        expect_valid(a, cost);
        // 1e-12 absolute: both are sums of at most 7 entries below 100 in magnitude (rounding
        // < 7 * 700 * 1.1e-16 ~ 5e-13); only an equally good assignment summed differently can
        // differ, by rounding.
        EXPECT_NEAR(a.cost, brute_force_minimum(cost), 1e-12);
      }
    }
  }
}

TEST(Hungarian, EmptyAndSingleRowProblems) {
  const auto none = hungarian(Matrix(0, 3));
  EXPECT_TRUE(none.column_of_row.empty());
  EXPECT_EQ(none.cost, 0.0);
  // One row: the cheapest column.
  const Matrix row = (Matrix(1, 4) << 3.5, -2.0, 7.0, -1.0).finished();
  const auto one = hungarian(row);
  EXPECT_EQ(one.column_of_row, (std::vector<int>{1}));
  EXPECT_EQ(one.cost, -2.0);
}

TEST(Hungarian, MoreRowsThanColumnsIsAnInvalidArgument) {
  expect_invalid_argument([] { hungarian(Matrix::Zero(3, 2)); }, "cost");
  expect_invalid_argument([] { hungarian(Matrix::Zero(1, 0)); }, "cost");
}

TEST(Hungarian, NonFiniteCostIsAnInvalidArgument) {
  for (const double bad :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
        -std::numeric_limits<double>::infinity()}) {
    Matrix cost = Matrix::Ones(3, 4);
    cost(1, 2) = bad;
    expect_invalid_argument([&] { hungarian(cost); }, "finite");
  }
}

}  // namespace
}  // namespace mre::regimes::mapping
