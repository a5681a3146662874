#pragma once
// Small statistical helpers shared by the report, the gap test and the trend.

namespace smrel::scoring {

/// Two-sided 95% critical value of Student's t with `degrees_of_freedom` (≥ 1).
double t_critical_95(int degrees_of_freedom);

/// P(T ≤ t) for Student's t with `degrees_of_freedom` > 0 (fractional, e.g. Welch's, allowed).
double student_t_cdf(double t, double degrees_of_freedom);

/// The t with P(T ≤ t) = `probability` (0 < p < 1) for Student's t with `degrees_of_freedom` > 0.
double student_t_quantile(double probability, double degrees_of_freedom);

}  // namespace smrel::scoring
