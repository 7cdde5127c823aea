// See forest.h. Each node holds, for every column, its in-bag rows sorted by that column; the
// best split maximises S_L^2 / W_L + S_R^2 / W_R (the weighted squared-error reduction), and the
// children inherit stably partitioned sorted lists, so nothing is sorted after the first pass.
#include "mre/causal/forest.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>

#include "mre/core/check.h"
#include "mre/core/error.h"

namespace mre::causal {

void RandomForest::fit(const Matrix& X, const Vector& y) {
  check_arg(X.rows() == y.size() && X.rows() >= 2, "forest",
            "needs X and y with the same rows (>= 2)");
  if (!X.allFinite() || !y.allFinite())
    throw Error(ErrorCode::kDataError, "forest: X and y must be finite");
  const auto n = static_cast<int>(X.rows());
  const auto p = static_cast<int>(X.cols());
  trees_.clear();
  if (p == 0) {  // no columns to split on: the mean
    trees_.push_back({Node{.value = y.mean()}});
    return;
  }
  std::vector<std::vector<int>> order(static_cast<std::size_t>(p),
                                      std::vector<int>(static_cast<std::size_t>(n)));
  for (int j = 0; j < p; ++j) {
    auto& o = order[static_cast<std::size_t>(j)];
    std::iota(o.begin(), o.end(), 0);
    std::stable_sort(o.begin(), o.end(), [&](int a, int b) { return X(a, j) < X(b, j); });
  }
  std::mt19937_64 rng(options_.seed);
  std::uniform_int_distribution<int> draw(0, n - 1);
  std::vector<double> w(static_cast<std::size_t>(n));
  // Per column, the in-bag rows with their values in that column's order: the split scan reads
  // them sequentially.
  struct Entry {
    int row;
    double value;
  };
  std::vector<std::vector<Entry>> lists(static_cast<std::size_t>(p));
  std::vector<Entry> entry_buffer(static_cast<std::size_t>(n));
  std::vector<double> wy(static_cast<std::size_t>(n));
  std::vector<int> counts(static_cast<std::size_t>(n));
  const int min_leaf = static_cast<int>(std::ceil(options_.min_leaf_weight));
  std::vector<char> left(static_cast<std::size_t>(n));
  // Bootstrap weights are whole counts, so every W_L, W_R is an integer <= n: a table of
  // reciprocals turns the two divisions per candidate split (most of the fit time) into
  // multiplications.
  std::vector<double> inverse(static_cast<std::size_t>(n) + 1, 0.0);
  for (int k = 1; k <= n; ++k) inverse[static_cast<std::size_t>(k)] = 1.0 / k;
  for (int t = 0; t < options_.trees; ++t) {
    std::fill(w.begin(), w.end(), 0.0);
    for (int i = 0; i < n; ++i) w[static_cast<std::size_t>(draw(rng))] += 1.0;  // bootstrap
    for (int i = 0; i < n; ++i) {
      wy[static_cast<std::size_t>(i)] = w[static_cast<std::size_t>(i)] * y(i);
      counts[static_cast<std::size_t>(i)] = static_cast<int>(w[static_cast<std::size_t>(i)]);
    }
    // Branch-free filtering and partitioning below: whether a row is in the bag (or goes
    // left) is a coin flip the branch predictor cannot learn, and mispredictions were most of
    // the fit time.
    for (int j = 0; j < p; ++j) {
      auto& l = lists[static_cast<std::size_t>(j)];
      l.resize(static_cast<std::size_t>(n));
      std::size_t m = 0;
      for (const int r : order[static_cast<std::size_t>(j)]) {
        l[m] = {r, X(r, j)};
        m += w[static_cast<std::size_t>(r)] > 0;
      }
      l.resize(m);
    }
    Tree tree;
    const auto m = lists[0].size();
    // Iterative build with an explicit stack: (node index, begin, end, depth).
    struct Task {
      int node;
      std::size_t begin;
      std::size_t end;
      int depth;
    };
    std::vector<Task> stack;
    tree.push_back({});
    stack.push_back({0, 0, m, 0});
    while (!stack.empty()) {
      const Task task = stack.back();
      stack.pop_back();
      double W = 0;
      double S = 0;
      const auto& first = lists[0];
      for (std::size_t k = task.begin; k < task.end; ++k) {
        const int r = first[k].row;
        W += w[static_cast<std::size_t>(r)];
        S += wy[static_cast<std::size_t>(r)];
      }
      Node& node = tree[static_cast<std::size_t>(task.node)];
      node.value = W > 0 ? S / W : 0.0;
      if (task.depth >= options_.max_depth || W < 2 * options_.min_leaf_weight) continue;
      const double parent = S * S / W;
      double best = parent * (1.0 + 1e-12) + 1e-300;
      int best_feature = -1;
      double best_threshold = 0.0;
      double best_wl = 0.0;
      double best_sl = 0.0;
      for (int j = 0; j < p; ++j) {
        const auto& l = lists[static_cast<std::size_t>(j)];
        double sl = 0;
        // Integer weights (bootstrap counts) index the reciprocal table directly.
        const int total = static_cast<int>(W);
        int wli = 0;
        for (std::size_t k = task.begin; k + 1 < task.end; ++k) {
          const int r = l[k].row;
          wli += counts[static_cast<std::size_t>(r)];
          sl += wy[static_cast<std::size_t>(r)];
          const double here = l[k].value;
          const double next = l[k + 1].value;
          if (!(here < next)) continue;  // split only between distinct values
          const int wri = total - wli;
          if (wli < min_leaf || wri < min_leaf) continue;
          const double sr = S - sl;
          const double gain = sl * sl * inverse[static_cast<std::size_t>(wli)] +
                              sr * sr * inverse[static_cast<std::size_t>(wri)];
          if (gain > best) {
            best = gain;
            best_feature = j;
            best_threshold = 0.5 * (here + next);
            best_wl = wli;
            best_sl = sl;
          }
        }
      }
      if (best_feature < 0) continue;  // a leaf
      if (task.depth + 1 >= options_.max_depth) {
        // Both children are leaves: their values come from the split's sums, and the sorted
        // lists need no partitioning.
        const int li = static_cast<int>(tree.size());
        tree.push_back({.value = best_sl / best_wl});
        tree.push_back({.value = (S - best_sl) / (W - best_wl)});
        Node& split = tree[static_cast<std::size_t>(task.node)];
        split.feature = best_feature;
        split.threshold = best_threshold;
        split.left = li;
        split.right = li + 1;
        continue;
      }
      // Mark the rows going left, then partition every column's segment stably.
      std::size_t count_left = 0;
      for (std::size_t k = task.begin; k < task.end; ++k) {
        const int r = first[k].row;
        const bool goes = X(r, best_feature) <= best_threshold;
        left[static_cast<std::size_t>(r)] = static_cast<char>(goes);
        count_left += goes;
      }
      for (int j = 0; j < p; ++j) {
        auto& l = lists[static_cast<std::size_t>(j)];
        std::size_t a = task.begin;
        std::size_t b = 0;
        for (std::size_t k = task.begin; k < task.end; ++k) {
          const Entry e = l[k];
          const std::size_t goes =
              static_cast<unsigned char>(left[static_cast<std::size_t>(e.row)]);
          l[a] = e;
          entry_buffer[b] = e;
          a += goes;
          b += 1 - goes;
        }
        std::copy(entry_buffer.begin(), entry_buffer.begin() + static_cast<std::ptrdiff_t>(b),
                  l.begin() + static_cast<std::ptrdiff_t>(a));
      }
      const int li = static_cast<int>(tree.size());
      tree.push_back({});
      const int ri = static_cast<int>(tree.size());
      tree.push_back({});
      Node& split = tree[static_cast<std::size_t>(task.node)];  // re-fetch: push_back may move
      split.feature = best_feature;
      split.threshold = best_threshold;
      split.left = li;
      split.right = ri;
      stack.push_back({li, task.begin, task.begin + count_left, task.depth + 1});
      stack.push_back({ri, task.begin + count_left, task.end, task.depth + 1});
    }
    trees_.push_back(std::move(tree));
  }
}

Vector RandomForest::predict(const Matrix& X) const {
  check_arg(!trees_.empty(), "forest", "predict before fit");
  Vector out = Vector::Zero(X.rows());
  for (const auto& tree : trees_) {
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      int node = 0;
      while (tree[static_cast<std::size_t>(node)].feature >= 0) {
        const auto& nd = tree[static_cast<std::size_t>(node)];
        node = X(i, nd.feature) <= nd.threshold ? nd.left : nd.right;
      }
      out(i) += tree[static_cast<std::size_t>(node)].value;
    }
  }
  return out / static_cast<double>(trees_.size());
}

}  // namespace mre::causal
