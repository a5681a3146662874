#include "scoring/statistics.hpp"

#include <array>

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

}  // namespace smrel::scoring
