// run_plan: trains every planned run not yet recorded in runs.jsonl, each as a `glassbox train`
// child process, and appends one RunRecord per finished run (resumable: rerun to continue).
#pragma once

#include <functional>
#include <string>

#include "base/status.h"
#include "scale/plan.h"

namespace glassbox::scale {

struct RunnerOptions {
  std::string exe;        // the glassbox binary (its `train` subcommand is run)
  int threads = 0;        // --threads for the trainer; 0 = its default
  bool held_out = false;  // also run the held-out entries
  // Progress lines (one per run started or finished); may be null.
  std::function<void(const std::string&)> log;
};

struct RunnerSummary {
  int done_before = 0, trained = 0, skipped_held_out = 0;
};

// Each run trains into PLAN_DIR/runs/<name>/ (model.gguf, result.json, log.jsonl; the trainer's
// stderr goes to PLAN_DIR/runs/<name>.err). A run killed part-way resumes from its checkpoint when
// rerun (the trainer's own resume). The first failing run stops the sweep with an error naming it
// and its .err file; runs.jsonl keeps every run finished before.
Result<RunnerSummary> run_plan(const ScalePlan& plan, const RunnerOptions& options);

}  // namespace glassbox::scale
