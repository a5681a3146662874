#pragma once
// Small statistical helpers shared by the report and the trend.

namespace smrel::scoring {

/// Two-sided 95% critical value of Student's t with `degrees_of_freedom` (≥ 1).
double t_critical_95(int degrees_of_freedom);

}  // namespace smrel::scoring
