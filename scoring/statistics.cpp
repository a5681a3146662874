#include "scoring/statistics.hpp"

#include <array>
#include <cmath>

namespace smrel::scoring {
namespace {

// t(0.975, df) for df = 1…30, from the standard tables.
constexpr std::array<double, 30> t_table{
    12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836, 2.446911851,
    2.364624252,  2.306004135, 2.262157163, 2.228138852, 2.200985160, 2.178812830,
    2.160368656,  2.144786688, 2.131449546, 2.119905299, 2.109815578, 2.100922040,
    2.093024054,  2.085963447, 2.079613845, 2.073873068, 2.068657610, 2.063898562,
    2.059538553,  2.055529439, 2.051830516, 2.048407142, 2.045229642, 2.042272456};

constexpr double z_975 = 1.959963984540054;

// The regularised incomplete beta function I_x(a, b) by Lentz's continued fraction, evaluated on
// the side where it converges fast (x < (a + 1) / (a + b + 2)), the other side by symmetry.
double incomplete_beta_fraction(double a, double b, double x) {
  constexpr double tiny = 1e-300;
  constexpr double epsilon = 1e-15;
  double c = 1.0;
  double d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::abs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double result = d;
  for (int m = 1; m <= 300; ++m) {
    const double even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
    d = 1.0 + even * d;
    c = 1.0 + even / c;
    if (std::abs(d) < tiny) d = tiny;
    if (std::abs(c) < tiny) c = tiny;
    d = 1.0 / d;
    result *= d * c;
    const double odd = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
    d = 1.0 + odd * d;
    c = 1.0 + odd / c;
    if (std::abs(d) < tiny) d = tiny;
    if (std::abs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double step = d * c;
    result *= step;
    if (std::abs(step - 1.0) < epsilon) break;
  }
  return result;
}

double regularized_incomplete_beta(double a, double b, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double log_front = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  if (x < (a + 1.0) / (a + b + 2.0)) return std::exp(log_front) * incomplete_beta_fraction(a, b, x) / a;
  return 1.0 - std::exp(log_front) * incomplete_beta_fraction(b, a, 1.0 - x) / b;
}

}  // namespace

double t_critical_95(int degrees_of_freedom) {
  if (degrees_of_freedom < 1) degrees_of_freedom = 1;
  if (degrees_of_freedom <= static_cast<int>(t_table.size())) {
    return t_table[static_cast<std::size_t>(degrees_of_freedom - 1)];
  }
  // Cornish–Fisher expansion of t around the normal quantile; beyond 30 degrees of freedom
  // its error is below 1e-6, well under anything we print.
  const double z = z_975;
  const double z3 = z * z * z;
  const double z5 = z3 * z * z;
  const double z7 = z5 * z * z;
  const double z9 = z7 * z * z;
  const double v = degrees_of_freedom;
  const double g1 = (z3 + z) / 4.0;
  const double g2 = (5 * z5 + 16 * z3 + 3 * z) / 96.0;
  const double g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384.0;
  const double g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160.0;
  return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
}

double student_t_cdf(double t, double degrees_of_freedom) {
  const double v = degrees_of_freedom;
  const double tail = 0.5 * regularized_incomplete_beta(v / 2.0, 0.5, v / (v + t * t));
  return t >= 0.0 ? 1.0 - tail : tail;
}

double student_t_quantile(double probability, double degrees_of_freedom) {
  if (probability == 0.5) return 0.0;
  // Bisection on the distribution function: monotone, and 200 halvings of a bracket that starts
  // at ±1e6 reach full double precision, which is more than anything printed needs.
  double low = -1e6;
  double high = 1e6;
  for (int i = 0; i < 200 && high - low > 1e-12 * (1.0 + std::abs(low)); ++i) {
    const double mid = 0.5 * (low + high);
    (student_t_cdf(mid, degrees_of_freedom) < probability ? low : high) = mid;
  }
  return 0.5 * (low + high);
}

}  // namespace smrel::scoring
