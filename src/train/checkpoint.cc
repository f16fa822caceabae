// Checkpoint save and load over the safetensors reader and writer.
#include "train/checkpoint.h"

#include <algorithm>
#include <vector>

#include "train/safetensors.h"

namespace glassbox::train {
namespace {

constexpr const char* kFormat = "glassbox-train-checkpoint";

std::map<std::string, std::string> config_metadata(const TrainConfig& c) {
  return {{"vocab_size", std::to_string(c.vocab_size)},
          {"d_model", std::to_string(c.d_model)},
          {"n_layers", std::to_string(c.n_layers)},
          {"n_heads", std::to_string(c.n_heads)},
          {"n_kv_heads", std::to_string(c.n_kv_heads)},
          {"d_ff", std::to_string(c.d_ff)},
          {"ctx", std::to_string(c.ctx)}};
}

}  // namespace

Status save_checkpoint(const std::string& path, const ParamStore<float>& params, const AdamW& adamw,
                       const std::map<std::string, std::string>& extra) {
  if (static_cast<int64_t>(adamw.m().size()) != params.size())
    return invalid_argument(
        str_format("checkpoint '%s': AdamW holds %zu values, the parameters %lld", path.c_str(),
                   adamw.m().size(), (long long)params.size()));
  std::vector<StWriteTensor> tensors;
  for (const ParamInfo& p : params.infos()) {
    tensors.push_back({"param." + p.name, p.shape, params.value(p)});
    tensors.push_back({"adamw.m." + p.name, p.shape, adamw.m().data() + p.offset});
    tensors.push_back({"adamw.v." + p.name, p.shape, adamw.v().data() + p.offset});
  }
  std::map<std::string, std::string> metadata = extra;
  for (const auto& [key, value] : config_metadata(params.config())) metadata[key] = value;
  metadata["format"] = kFormat;
  metadata["adamw_step"] = std::to_string(adamw.steps_taken());
  return write_safetensors_f32(path, tensors, metadata);
}

Status load_checkpoint(const std::string& path, ParamStore<float>* params, AdamW* adamw,
                       std::map<std::string, std::string>* extra) {
  GB_ASSIGN_OR_RETURN(SafetensorsFile file, SafetensorsFile::open(path));
  const auto& meta = file.metadata();
  auto format = meta.find("format");
  if (format == meta.end() || format->second != kFormat)
    return invalid_argument(
        str_format("checkpoint '%s': not a glassbox training checkpoint (metadata format is "
                   "'%s')",
                   path.c_str(), format == meta.end() ? "" : format->second.c_str()));
  for (const auto& [key, value] : config_metadata(params->config())) {
    auto it = meta.find(key);
    if (it == meta.end() || it->second != value)
      return invalid_argument(
          str_format("checkpoint '%s': %s is %s, the model has %s", path.c_str(), key.c_str(),
                     it == meta.end() ? "missing" : it->second.c_str(), value.c_str()));
  }
  auto step_it = meta.find("adamw_step");
  int64_t step = -1;
  if (step_it != meta.end()) {
    try {
      step = std::stoll(step_it->second);
    } catch (const std::exception&) {
      step = -1;
    }
  }
  if (step < 0)
    return invalid_argument(
        str_format("checkpoint '%s': adamw_step is missing or not a count", path.c_str()));
  if (static_cast<int64_t>(adamw->m().size()) != params->size())
    return invalid_argument(
        str_format("checkpoint '%s': AdamW holds %zu values, the parameters %lld", path.c_str(),
                   adamw->m().size(), (long long)params->size()));
  // Read everything before changing anything, so a failed load leaves the model as it was.
  std::vector<float> values(params->size()), m(params->size()), v(params->size());
  for (const ParamInfo& p : params->infos()) {
    GB_ASSIGN_OR_RETURN(std::vector<float> pv, file.read_f32("param." + p.name, p.shape));
    GB_ASSIGN_OR_RETURN(std::vector<float> mv, file.read_f32("adamw.m." + p.name, p.shape));
    GB_ASSIGN_OR_RETURN(std::vector<float> vv, file.read_f32("adamw.v." + p.name, p.shape));
    std::copy(pv.begin(), pv.end(), values.begin() + p.offset);
    std::copy(mv.begin(), mv.end(), m.begin() + p.offset);
    std::copy(vv.begin(), vv.end(), v.begin() + p.offset);
  }
  std::copy(values.begin(), values.end(), params->values());
  adamw->m() = std::move(m);
  adamw->v() = std::move(v);
  adamw->set_steps_taken(step);
  if (extra) *extra = meta;
  return ok_status();
}

}  // namespace glassbox::train
