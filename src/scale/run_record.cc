// runs.jsonl lines in and out (nlohmann::json, exceptions caught here), and the reference sweep.
#include "scale/run_record.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "base/mapped_file.h"

namespace glassbox::scale {
namespace {

using Json = nlohmann::ordered_json;

// Throws std::runtime_error with the key named; caught by the callers below.
double number(const Json& j, const char* key, bool required, bool positive) {
  if (!j.contains(key)) {
    if (required) throw std::runtime_error(str_format("'%s' is missing", key));
    return 0;
  }
  const Json& v = j.at(key);
  if (!v.is_number()) throw std::runtime_error(str_format("'%s' is not a number", key));
  const double d = v.get<double>();
  if (!std::isfinite(d) || (positive && !(d > 0)))
    throw std::runtime_error(str_format("'%s' is %g, expected a positive number", key, d));
  return d;
}

int64_t integer(const Json& j, const char* key, bool required, bool positive) {
  const double d = number(j, key, required, positive);
  if (d != std::floor(d) || std::fabs(d) > 9e15)
    throw std::runtime_error(str_format("'%s' is %g, expected an integer", key, d));
  return static_cast<int64_t>(d);
}

std::string text(const Json& j, const char* key, bool required) {
  if (!j.contains(key)) {
    if (required) throw std::runtime_error(str_format("'%s' is missing", key));
    return "";
  }
  if (!j.at(key).is_string()) throw std::runtime_error(str_format("'%s' is not a string", key));
  return j.at(key).get<std::string>();
}

}  // namespace

std::string run_name(const std::string& shape, double flops) {
  std::string c = str_format("%.0e", flops);
  std::erase(c, '+');
  return shape + "-C" + c;
}

std::string run_record_json(const RunRecord& r) {
  Json j;
  j["name"] = r.name;
  j["shape"] = r.shape;
  j["d_model"] = r.d_model;
  j["layers"] = r.layers;
  j["heads"] = r.heads;
  j["kv_heads"] = r.kv_heads;
  j["d_ff"] = r.d_ff;
  j["flops"] = r.flops;
  j["held_out"] = r.held_out;
  j["params"] = r.params;
  j["tokens"] = r.tokens;
  j["steps"] = r.steps;
  j["batch"] = r.batch;
  j["ctx"] = r.ctx;
  j["lr"] = r.lr;
  j["val_loss"] = r.val_loss;
  j["train_loss"] = r.train_loss;
  j["seconds"] = r.seconds;
  j["tokens_per_s"] = r.tokens_per_s;
  return j.dump();
}

Result<std::vector<RunRecord>> parse_runs_jsonl(const std::string& data,
                                                const std::string& source) {
  std::vector<RunRecord> out;
  size_t pos = 0;
  for (int line_no = 1; pos < data.size(); ++line_no) {
    size_t end = data.find('\n', pos);
    if (end == std::string::npos) end = data.size();
    const std::string line = data.substr(pos, end - pos);
    pos = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      const Json j = Json::parse(line);
      if (!j.is_object()) throw std::runtime_error("not a JSON object");
      RunRecord r;
      r.name = text(j, "name", true);
      r.shape = text(j, "shape", false);
      r.d_model = integer(j, "d_model", false, false);
      r.layers = integer(j, "layers", false, false);
      r.heads = integer(j, "heads", false, false);
      r.kv_heads = integer(j, "kv_heads", false, false);
      r.d_ff = integer(j, "d_ff", false, false);
      r.flops = number(j, "flops", true, true);
      if (j.contains("held_out")) {
        if (!j.at("held_out").is_boolean())
          throw std::runtime_error("'held_out' is not true/false");
        r.held_out = j.at("held_out").get<bool>();
      }
      r.params = integer(j, "params", true, true);
      r.tokens = integer(j, "tokens", true, true);
      r.steps = integer(j, "steps", false, false);
      r.batch = integer(j, "batch", false, false);
      r.ctx = integer(j, "ctx", false, false);
      r.lr = number(j, "lr", false, false);
      r.val_loss = number(j, "val_loss", true, true);
      r.train_loss = number(j, "train_loss", false, false);
      r.seconds = number(j, "seconds", false, false);
      r.tokens_per_s = number(j, "tokens_per_s", false, false);
      out.push_back(std::move(r));
    } catch (const std::exception& e) {
      return invalid_argument(str_format("%s:%d: %s", source.c_str(), line_no, e.what()));
    }
  }
  return out;
}

Result<std::vector<RunRecord>> read_runs_jsonl(const std::string& path) {
  GB_ASSIGN_OR_RETURN(std::string data, read_file_to_string(path));
  return parse_runs_jsonl(data, path);
}

Status append_run_record(const std::string& path, const RunRecord& record) {
  std::string data;
  if (auto old = read_file_to_string(path); old.ok()) data = std::move(*old);
  if (!data.empty() && data.back() != '\n') data += '\n';
  data += run_record_json(record) + "\n";
  return write_file_atomic(path, data.data(), data.size());
}

Result<std::vector<RunRecord>> read_reference_sweep(const std::string& path) {
  GB_ASSIGN_OR_RETURN(std::string data, read_file_to_string(path));
  std::vector<RunRecord> out;
  try {
    const Json j = Json::parse(data);
    if (!j.contains("runs") || !j.at("runs").is_array())
      return invalid_argument("scale: '" + path + "' has no \"runs\" array (not a sweep.json)");
    int idx = 0;
    for (const Json& run : j.at("runs")) {
      try {
        RunRecord r;
        r.shape = text(run, "shape", true);
        r.d_model = integer(run, "d", false, false);
        r.layers = integer(run, "layers", false, false);
        r.heads = integer(run, "heads", false, false);
        r.kv_heads = integer(run, "kv_heads", false, false);
        r.d_ff = integer(run, "ff", false, false);
        r.flops = number(run, "C", true, true);
        r.params = integer(run, "params", true, true);
        r.tokens = integer(run, "tokens", true, true);
        r.steps = integer(run, "steps", false, false);
        r.batch = integer(run, "batch", false, false);
        r.ctx = integer(run, "ctx", false, false);
        r.lr = number(run, "lr", false, false);
        r.val_loss = number(run, "val_loss", true, true);
        r.train_loss = number(run, "train_loss_final", false, false);
        r.seconds = number(run, "seconds", false, false);
        r.tokens_per_s = number(run, "tokens_per_s", false, false);
        r.name = run_name(r.shape, r.flops);
        out.push_back(std::move(r));
      } catch (const std::exception& e) {
        return invalid_argument(
            str_format("scale: '%s': runs[%d]: %s", path.c_str(), idx, e.what()));
      }
      ++idx;
    }
  } catch (const std::exception& e) {
    return invalid_argument("scale: '" + path + "': " + e.what());
  }
  return out;
}

}  // namespace glassbox::scale
