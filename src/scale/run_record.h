// RunRecord: one finished training run of a sweep, as one line of runs.jsonl; also the reader of
// the reference sweep (../shared/reference/sweep.json → runs) in the same form.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace glassbox::scale {

// params counts every parameter (the tied embedding included), as `glassbox train` reports it;
// flops is the planned budget (C = 6·params·tokens up to the rounding of tokens down to whole
// steps).
struct RunRecord {
  std::string name, shape;
  int64_t d_model = 0, layers = 0, heads = 0, kv_heads = 0, d_ff = 0;
  double flops = 0;
  bool held_out = false;
  int64_t params = 0, tokens = 0, steps = 0, batch = 0, ctx = 0;
  double lr = 0;
  double val_loss = 0, train_loss = 0;
  double seconds = 0, tokens_per_s = 0;
};

// `<shape>-C<flops as %.0e without '+'>`, e.g. d32L2-C1e12, d96L3-C3e13.
std::string run_name(const std::string& shape, double flops);

// One JSON object, no newline, keys in the order above.
std::string run_record_json(const RunRecord& r);

// Parses runs.jsonl text. Blank lines are skipped. Required per line: name, flops, params, tokens,
// val_loss (positive numbers where numeric); the rest default to 0/false/"". Errors name `source`,
// the 1-based line and the problem: "runs.jsonl:3: 'val_loss' is missing".
Result<std::vector<RunRecord>> parse_runs_jsonl(const std::string& text, const std::string& source);
// Reads the file; a missing file is an error naming it.
Result<std::vector<RunRecord>> read_runs_jsonl(const std::string& path);
// Appends one line, rewriting the file through a temporary name and a rename (a crash leaves
// either the old file or the new one).
Status append_run_record(const std::string& path, const RunRecord& record);

// The `runs` of a reference sweep file (sweep.json: shape, d, layers, heads, kv_heads, ff, params,
// C, tokens, steps, batch, ctx, lr, val_loss, train_loss_final, seconds, tokens_per_s), none held
// out.
Result<std::vector<RunRecord>> read_reference_sweep(const std::string& path);

}  // namespace glassbox::scale
