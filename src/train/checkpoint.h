// Training checkpoints: parameters, AdamW state and the step count in one .safetensors file.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "base/status.h"
#include "train/adamw.h"
#include "train/params.h"

namespace glassbox::train {

// Tensors: "param.<name>", "adamw.m.<name>", "adamw.v.<name>" (F32, the parameter's shape), so the
// parameters load the way the PyTorch fixture's do. __metadata__: format =
// "glassbox-train-checkpoint", adamw_step, the TrainConfig fields, and `extra` entries (e.g. the
// data position). Written atomically.
Status save_checkpoint(const std::string& path, const ParamStore<float>& params, const AdamW& adamw,
                       const std::map<std::string, std::string>& extra = {});

// Restores into a ParamStore and AdamW built for the same config. Errors name the file and the
// mismatch (another config, a missing tensor, not a checkpoint). `extra`, when non-null, receives
// all metadata.
Status load_checkpoint(const std::string& path, ParamStore<float>* params, AdamW* adamw,
                       std::map<std::string, std::string>* extra = nullptr);

}  // namespace glassbox::train
