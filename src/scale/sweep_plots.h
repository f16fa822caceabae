// The sweep's four SVG plots: loss curves, IsoFLOP curves with the fitted law, the fitted
// surface's iso-loss contours with the compute-optimal frontier, and held-out predicted vs
// measured.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "scale/sweep_analysis.h"

namespace glassbox::scale {

struct LossCurve {
  std::string name;
  std::vector<std::pair<double, double>> train;  // (tokens, loss) per step
  std::vector<std::pair<double, double>> val;    // (tokens, val_loss) where measured
};

// Reads a trainer's log.jsonl ({step, tokens, loss, ...[, val_loss]} per line). A resumed run may
// repeat steps: the last line of each step wins. Bad lines are errors naming file and line.
Result<LossCurve> read_loss_curve(const std::string& path, const std::string& name);

std::string plot_loss_curves(const std::vector<LossCurve>& curves);
std::string plot_isoflop(const SweepAnalysis& a);
std::string plot_contours(const SweepAnalysis& a);
std::string plot_predictions(const SweepAnalysis& a);

// Writes loss_curves.svg, isoflop.svg, contours.svg, predictions.svg into out_dir (created), each
// through a temporary file and a rename. Returns the paths written.
Result<std::vector<std::string>> write_sweep_plots(const std::string& out_dir,
                                                   const SweepAnalysis& a,
                                                   const std::vector<LossCurve>& curves);

}  // namespace glassbox::scale
