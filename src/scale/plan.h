// ScalePlan: a scaling sweep's plan file (model shapes, budgets, held-out runs), parsed and
// validated before anything trains.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"

namespace glassbox::scale {

// Training settings shared by the runs ("defaults"); a run may override any of them.
struct RunSettings {
  int64_t ctx = 256, batch = 8, accum = 1;
  double lr = 3e-3, warmup_frac = 0.05, min_lr_frac = 0.1, weight_decay = 0.1;
  double beta1 = 0.9, beta2 = 0.95, clip = 1.0;
  int64_t seed = 1, val_batches = 10;
  int64_t checkpoint_every = 0;  // 0 = at the end only
};

struct ShapeSpec {
  int64_t d_model = 0, layers = 0, heads = 0, kv_heads = 0, d_ff = 0;
};

struct PlannedRun {
  std::string name;  // run_name(shape, flops): also the folder under runs/
  std::string shape;
  ShapeSpec spec;
  double flops = 0;
  bool held_out = false;
  RunSettings settings;
  int64_t params = 0;  // every parameter, the tied embedding included
  int64_t steps =
      0;  // floor(flops / (6 · params) / (batch · accum · ctx)), as `glassbox train --flops`
  int64_t tokens = 0;  // steps · batch · accum · ctx
};

struct ScalePlan {
  std::string name;
  std::string dir;         // the plan file's folder: runs/, runs.jsonl, fit.json, plots/ go here
  std::string data_dir;    // "data", resolved against dir
  int64_t vocab_size = 0;  // from the data's manifest.json
  RunSettings defaults;
  std::map<std::string, ShapeSpec> shapes;
  std::vector<PlannedRun> runs;  // "runs" then "held_out" (held_out = true)
};

// Parses a plan given its text, its folder and the vocabulary size of its data (0: read it from
// the data folder's manifest.json). Every problem is an error naming the entry: unknown keys,
// unknown shape, d_model not divisible by heads, heads not divisible by kv_heads, an odd head_dim
// (RoPE rotates pairs), non-positive flops, a budget smaller than one step (6 · params · tokens of
// one step), a missing data folder or manifest, two runs with the same name.
Result<ScalePlan> parse_plan(const std::string& text, const std::string& plan_dir,
                             int64_t vocab_size = 0);
// Reads and parses a plan file (errors name the file).
Result<ScalePlan> load_plan(const std::string& path);

// The run's `glassbox train` arguments (after "train"), writing into out_dir.
std::vector<std::string> train_arguments(const ScalePlan& plan, const PlannedRun& run,
                                         const std::string& out_dir, int threads);

}  // namespace glassbox::scale
