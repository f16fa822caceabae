// SweepAnalysis: everything `glassbox scale fit/report` says about a sweep — the law fitted on the
// non-held-out runs with bootstrap intervals, the compute-optimal allocation, the IsoFLOP
// cross-check, and each held-out run's prediction against its measured loss — as JSON and Markdown.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "scale/isoflop.h"
#include "scale/law_fit.h"
#include "scale/run_record.h"

namespace glassbox::scale {

// A run to predict: from the plan's held_out list (measured when runs.jsonl has it).
struct Target {
  std::string name;
  double n = 0, d = 0, flops = 0;
  std::optional<double> measured;
};

struct Prediction {
  Target target;
  double predicted = 0;
  Interval interval;  // 5–95% over the bootstrap fits (NaN without bootstrap)
  // measured − predicted, in nats and as a percentage of the measured loss (when measured)
  std::optional<double> error, error_pct;
  bool inside_interval = false;
};

struct SweepAnalysis {
  std::vector<RunRecord> fit_runs;  // the runs the law was fitted on
  LawFit fit;
  IsoflopFit isoflop;
  std::vector<ComputeOptimal> optimal;  // per budget in `budgets`
  std::vector<Prediction> predictions;
};

std::vector<Observation> observations(const std::vector<RunRecord>& runs);

// Fits `fit_runs`, predicts `targets`, and evaluates the compute optimum at `budgets`.
Result<SweepAnalysis> analyse_sweep(const std::vector<RunRecord>& fit_runs,
                                    const std::vector<Target>& targets,
                                    const std::vector<double>& budgets, const FitOptions& options);

Prediction predict(const LawFit& fit, const Target& target);

nlohmann::ordered_json analysis_json(const SweepAnalysis& a, const FitOptions& options);
// report.md: title, fit table with intervals, compute-optimal table, IsoFLOP table, held-out
// predictions, and the runs used.
std::string analysis_markdown(const SweepAnalysis& a, const std::string& title,
                              const FitOptions& options);
// A few lines for the terminal.
std::string analysis_text(const SweepAnalysis& a);

}  // namespace glassbox::scale
