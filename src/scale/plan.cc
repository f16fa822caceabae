// Plan parsing and validation (nlohmann::json, exceptions caught here).
#include "scale/plan.h"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "base/mapped_file.h"
#include "scale/run_record.h"
#include "train/params.h"

namespace glassbox::scale {
namespace fs = std::filesystem;
namespace {

using Json = nlohmann::json;

struct PlanError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

int64_t get_int(const Json& j, const std::string& where, const std::string& key) {
  const Json& v = j.at(key);
  if (!v.is_number_integer() && !(v.is_number() && v.get<double>() == std::floor(v.get<double>())))
    throw PlanError(where + ": '" + key + "' must be an integer");
  return v.get<int64_t>();
}

double get_num(const Json& j, const std::string& where, const std::string& key) {
  const Json& v = j.at(key);
  if (!v.is_number()) throw PlanError(where + ": '" + key + "' must be a number");
  return v.get<double>();
}

// Applies every key of `j` to `s`; unknown keys (typos) are errors, except those in `skip`.
void apply_settings(const Json& j, const std::string& where, RunSettings* s,
                    const std::set<std::string>& skip) {
  if (!j.is_object()) throw PlanError(where + " must be an object");
  for (const auto& [key, value] : j.items()) {
    if (skip.count(key)) continue;
    if (key == "ctx")
      s->ctx = get_int(j, where, key);
    else if (key == "batch")
      s->batch = get_int(j, where, key);
    else if (key == "accum")
      s->accum = get_int(j, where, key);
    else if (key == "lr")
      s->lr = get_num(j, where, key);
    else if (key == "warmup_frac")
      s->warmup_frac = get_num(j, where, key);
    else if (key == "min_lr_frac")
      s->min_lr_frac = get_num(j, where, key);
    else if (key == "weight_decay")
      s->weight_decay = get_num(j, where, key);
    else if (key == "beta1")
      s->beta1 = get_num(j, where, key);
    else if (key == "beta2")
      s->beta2 = get_num(j, where, key);
    else if (key == "clip")
      s->clip = get_num(j, where, key);
    else if (key == "seed")
      s->seed = get_int(j, where, key);
    else if (key == "val_batches")
      s->val_batches = get_int(j, where, key);
    else if (key == "checkpoint_every")
      s->checkpoint_every = get_int(j, where, key);
    else
      throw PlanError(where + ": unknown key '" + key + "'");
  }
  if (s->ctx <= 0 || s->batch <= 0 || s->accum <= 0 || s->val_batches <= 0)
    throw PlanError(where + ": ctx, batch, accum and val_batches must be positive");
  if (!(s->lr > 0)) throw PlanError(where + ": lr must be positive");
  if (s->seed < 0 || s->checkpoint_every < 0)
    throw PlanError(where + ": seed and checkpoint_every must be >= 0");
}

ShapeSpec parse_shape(const Json& j, const std::string& where) {
  if (!j.is_object()) throw PlanError(where + " must be an object");
  ShapeSpec s;
  for (const auto& [key, value] : j.items()) {
    if (key == "d_model")
      s.d_model = get_int(j, where, key);
    else if (key == "layers")
      s.layers = get_int(j, where, key);
    else if (key == "heads")
      s.heads = get_int(j, where, key);
    else if (key == "kv_heads")
      s.kv_heads = get_int(j, where, key);
    else if (key == "d_ff")
      s.d_ff = get_int(j, where, key);
    else
      throw PlanError(where + ": unknown key '" + key + "'");
  }
  if (s.kv_heads == 0) s.kv_heads = s.heads;
  if (s.d_ff == 0) s.d_ff = (8 * s.d_model / 3 + 15) / 16 * 16;
  if (s.d_model <= 0 || s.layers <= 0 || s.heads <= 0 || s.kv_heads <= 0 || s.d_ff <= 0)
    throw PlanError(where +
                    ": d_model, layers, heads (and kv_heads, d_ff when given) must be positive");
  if (s.d_model % s.heads != 0)
    throw PlanError(str_format("%s: d_model %lld is not divisible by heads %lld", where.c_str(),
                               (long long)s.d_model, (long long)s.heads));
  if (s.heads % s.kv_heads != 0)
    throw PlanError(str_format("%s: heads %lld is not divisible by kv_heads %lld", where.c_str(),
                               (long long)s.heads, (long long)s.kv_heads));
  if ((s.d_model / s.heads) % 2 != 0)
    throw PlanError(str_format("%s: head_dim %lld (d_model / heads) is odd; RoPE rotates pairs",
                               where.c_str(), (long long)(s.d_model / s.heads)));
  return s;
}

int64_t read_vocab(const std::string& data_dir, const std::string& data_field) {
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec))
    throw PlanError("data folder '" + data_dir + "' (\"data\": \"" + data_field +
                    "\") does not exist (run `glassbox data prepare` first)");
  const std::string manifest = (fs::path(data_dir) / "manifest.json").string();
  auto text = read_file_to_string(manifest);
  if (!text.ok())
    throw PlanError("data folder '" + data_dir +
                    "' has no readable manifest.json: " + text.status().message());
  try {
    return Json::parse(*text).at("tokenizer").at("vocab_size").get<int64_t>();
  } catch (const std::exception& e) {
    throw PlanError("'" + manifest + "': no tokenizer.vocab_size (" + e.what() + ")");
  }
}

}  // namespace

Result<ScalePlan> parse_plan(const std::string& text, const std::string& plan_dir,
                             int64_t vocab_size) {
  ScalePlan plan;
  plan.dir = plan_dir.empty() ? "." : plan_dir;
  try {
    const Json j = Json::parse(text);
    if (!j.is_object()) throw PlanError("the plan must be a JSON object");
    for (const auto& [key, value] : j.items())
      if (key != "name" && key != "data" && key != "defaults" && key != "shapes" && key != "runs" &&
          key != "held_out")
        throw PlanError("unknown key '" + key + "'");
    plan.name = j.value("name", std::string());
    if (!j.contains("data") || !j.at("data").is_string())
      throw PlanError("\"data\" (the shards folder, relative to the plan) is required");
    const std::string data_field = j.at("data").get<std::string>();
    plan.data_dir = fs::path(data_field).is_absolute()
                        ? data_field
                        : (fs::path(plan.dir) / data_field).lexically_normal().string();
    if (j.contains("defaults")) apply_settings(j.at("defaults"), "defaults", &plan.defaults, {});
    if (!j.contains("shapes") || !j.at("shapes").is_object() || j.at("shapes").empty())
      throw PlanError(
          "\"shapes\" must be a non-empty object of name: {d_model, layers, heads, ...}");
    for (const auto& [name, value] : j.at("shapes").items())
      plan.shapes[name] = parse_shape(value, "shapes." + name);
    if (vocab_size <= 0) vocab_size = read_vocab(plan.data_dir, data_field);
    plan.vocab_size = vocab_size;

    std::set<std::string> names;
    for (const char* list : {"runs", "held_out"}) {
      if (!j.contains(list)) continue;
      if (!j.at(list).is_array()) throw PlanError(std::string("\"") + list + "\" must be an array");
      int idx = 0;
      for (const Json& r : j.at(list)) {
        std::string where = str_format("%s[%d]", list, idx++);
        if (!r.is_object()) throw PlanError(where + " must be an object");
        PlannedRun run;
        run.held_out = std::string(list) == "held_out";
        if (!r.contains("shape") || !r.at("shape").is_string())
          throw PlanError(where + ": \"shape\" is required");
        run.shape = r.at("shape").get<std::string>();
        auto shape_it = plan.shapes.find(run.shape);
        if (shape_it == plan.shapes.end())
          throw PlanError(where + ": unknown shape '" + run.shape + "' (not in \"shapes\")");
        run.spec = shape_it->second;
        if (!r.contains("flops")) throw PlanError(where + ": \"flops\" is required");
        run.flops = get_num(r, where, "flops");
        if (!(run.flops > 0) || !std::isfinite(run.flops))
          throw PlanError(str_format("%s: flops %g must be positive", where.c_str(), run.flops));
        run.name = run_name(run.shape, run.flops);
        where += " (" + run.name + ")";
        run.settings = plan.defaults;
        apply_settings(r, where, &run.settings, {"shape", "flops"});
        if (!names.insert(run.name).second)
          throw PlanError(where + ": duplicate run (another entry has the same name)");
        train::TrainConfig c;
        c.vocab_size = plan.vocab_size;
        c.d_model = run.spec.d_model;
        c.n_layers = run.spec.layers;
        c.n_heads = run.spec.heads;
        c.n_kv_heads = run.spec.kv_heads;
        c.d_ff = run.spec.d_ff;
        c.ctx = run.settings.ctx;
        for (const auto& p : train::param_layout(c)) run.params += p.numel;
        const int64_t step_tokens = run.settings.batch * run.settings.accum * run.settings.ctx;
        run.steps = static_cast<int64_t>(
            std::floor(run.flops / (6.0 * static_cast<double>(run.params)) / step_tokens));
        if (run.steps < 1)
          throw PlanError(str_format(
              "%s: the budget %.3g FLOPs is less than one step: 6 × %lld params × %lld tokens "
              "per step = %.3g FLOPs (raise flops, or use a smaller shape or batch)",
              where.c_str(), run.flops, (long long)run.params, (long long)step_tokens,
              6.0 * static_cast<double>(run.params) * static_cast<double>(step_tokens)));
        run.tokens = run.steps * step_tokens;
        plan.runs.push_back(std::move(run));
      }
    }
    if (plan.runs.empty()) throw PlanError("\"runs\" is empty");
  } catch (const PlanError& e) {
    return invalid_argument(std::string("plan: ") + e.what());
  } catch (const std::exception& e) {
    return invalid_argument(std::string("plan: ") + e.what());
  }
  return plan;
}

Result<ScalePlan> load_plan(const std::string& path) {
  GB_ASSIGN_OR_RETURN(std::string text, read_file_to_string(path));
  auto plan = parse_plan(text, fs::path(path).parent_path().string());
  if (!plan.ok())
    return Status(plan.status().code(),
                  "'" + path + "': " + plan.status().message().substr(6));  // drop "plan: "
  return plan;
}

std::vector<std::string> train_arguments(const ScalePlan& plan, const PlannedRun& run,
                                         const std::string& out_dir, int threads) {
  const RunSettings& s = run.settings;
  auto num = [](double v) { return str_format("%.17g", v); };
  std::vector<std::string> a = {"--data",         plan.data_dir,
                                "--d-model",      std::to_string(run.spec.d_model),
                                "--layers",       std::to_string(run.spec.layers),
                                "--heads",        std::to_string(run.spec.heads),
                                "--kv-heads",     std::to_string(run.spec.kv_heads),
                                "--d-ff",         std::to_string(run.spec.d_ff),
                                "--ctx",          std::to_string(s.ctx),
                                "--batch",        std::to_string(s.batch),
                                "--accum",        std::to_string(s.accum),
                                "--flops",        num(run.flops),
                                "--lr",           num(s.lr),
                                "--warmup-frac",  num(s.warmup_frac),
                                "--min-lr-frac",  num(s.min_lr_frac),
                                "--weight-decay", num(s.weight_decay),
                                "--beta1",        num(s.beta1),
                                "--beta2",        num(s.beta2),
                                "--clip",         num(s.clip),
                                "--seed",         std::to_string(s.seed),
                                "--val-batches",  std::to_string(s.val_batches),
                                "--name",         run.name,
                                "--out",          out_dir,
                                "--json"};
  if (s.checkpoint_every > 0) {
    a.push_back("--checkpoint-every");
    a.push_back(std::to_string(s.checkpoint_every));
  }
  if (threads > 0) {
    a.push_back("--threads");
    a.push_back(std::to_string(threads));
  }
  return a;
}

}  // namespace glassbox::scale
