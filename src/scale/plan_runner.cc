// The sweep loop: skip recorded runs, spawn the trainer, parse its --json line, append the record.
#include "scale/plan_runner.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "base/mapped_file.h"
#include "scale/run_record.h"

namespace glassbox::scale {
namespace fs = std::filesystem;
namespace {

// Runs exe with args, stdout to out_path, stderr to err_path; returns the exit status.
Result<int> spawn_and_wait(const std::string& exe, const std::vector<std::string>& args,
                           const std::string& out_path, const std::string& err_path) {
  std::vector<char*> argv;
  std::string exe_copy = exe;
  argv.push_back(exe_copy.data());
  std::vector<std::string> copies = args;
  for (auto& a : copies) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out_fd < 0 || err_fd < 0) {
    if (out_fd >= 0) ::close(out_fd);
    if (err_fd >= 0) ::close(err_fd);
    return io_error("scale: cannot create '" + out_path + "' or '" + err_path + "'");
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out_fd);
    ::close(err_fd);
    return io_error("scale: fork failed");
  }
  if (pid == 0) {
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execv(exe_copy.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(out_fd);
  ::close(err_fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return io_error("scale: waitpid failed");
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

std::string last_line(const std::string& text) {
  const size_t end = text.find_last_not_of("\r\n");
  if (end == std::string::npos) return "";
  const size_t nl = text.rfind('\n', end);
  const size_t start = nl == std::string::npos ? 0 : nl + 1;
  return text.substr(start, end - start + 1);
}

}  // namespace

Result<RunnerSummary> run_plan(const ScalePlan& plan, const RunnerOptions& o) {
  const fs::path dir(plan.dir);
  const std::string runs_path = (dir / "runs.jsonl").string();
  std::set<std::string> done;
  std::error_code ec;
  if (fs::exists(runs_path, ec)) {
    GB_ASSIGN_OR_RETURN(auto records, read_runs_jsonl(runs_path));
    for (const auto& r : records) done.insert(r.name);
  }
  fs::create_directories(dir / "runs", ec);
  if (ec)
    return io_error("scale: cannot create '" + (dir / "runs").string() + "': " + ec.message());
  RunnerSummary summary;
  std::vector<const PlannedRun*> todo;
  for (const PlannedRun& r : plan.runs) {
    if (done.count(r.name)) {
      ++summary.done_before;
    } else if (r.held_out && !o.held_out) {
      ++summary.skipped_held_out;
    } else {
      todo.push_back(&r);
    }
  }
  int idx = 0;
  for (const PlannedRun* run : todo) {
    ++idx;
    const std::string out_dir = (dir / "runs" / run->name).string();
    const std::string err_path = (dir / "runs" / (run->name + ".err")).string();
    const std::string json_path = (dir / "runs" / (run->name + ".out")).string();
    if (o.log)
      o.log(str_format("[%d/%zu] %s: %lld params, %lld steps, %lld tokens%s (log: %s)", idx,
                       todo.size(), run->name.c_str(), (long long)run->params,
                       (long long)run->steps, (long long)run->tokens,
                       run->held_out ? ", held out" : "", err_path.c_str()));
    GB_ASSIGN_OR_RETURN(int rc,
                        spawn_and_wait(
                            o.exe,
                            [&] {
                              std::vector<std::string> a = {"train"};
                              for (auto& s : train_arguments(plan, *run, out_dir, o.threads))
                                a.push_back(s);
                              return a;
                            }(),
                            json_path, err_path));
    auto out_text = read_file_to_string(json_path);
    if (rc != 0 || !out_text.ok()) {
      std::string tail;
      if (auto err = read_file_to_string(err_path); err.ok()) tail = last_line(*err);
      return internal_error(str_format("scale: run '%s' failed (exit %d): %s (see %s)",
                                       run->name.c_str(), rc, tail.c_str(), err_path.c_str()));
    }
    RunRecord rec;
    try {
      const auto j = nlohmann::json::parse(last_line(*out_text));
      if (!j.at("finished").get<bool>() || !j.at("val_loss").is_number())
        return internal_error(
            "scale: run '" + run->name +
            "' ended without a validation loss (does the data have a val split?)");
      rec.val_loss = j.at("val_loss").get<double>();
      rec.train_loss = j.at("train_loss").get<double>();
      rec.tokens = j.at("tokens").get<int64_t>();
      rec.seconds = j.at("seconds").get<double>();
      rec.tokens_per_s = j.at("tokens_per_s").get<double>();
      rec.params = j.at("params").get<int64_t>();
      rec.steps = j.at("steps").get<int64_t>();
    } catch (const std::exception& e) {
      return internal_error("scale: run '" + run->name +
                            "': cannot read the trainer's --json line in '" + json_path +
                            "': " + e.what());
    }
    std::filesystem::remove(json_path, ec);
    if (rec.params != run->params || rec.steps != run->steps)
      return internal_error(
          str_format("scale: run '%s': the trainer reports %lld params / %lld steps, the plan "
                     "expected %lld / %lld",
                     run->name.c_str(), (long long)rec.params, (long long)rec.steps,
                     (long long)run->params, (long long)run->steps));
    // A run found finished (killed after training, before its record) trains no step now: its
    // rate is the whole run's.
    if (rec.tokens_per_s <= 0 && rec.seconds > 0) rec.tokens_per_s = rec.tokens / rec.seconds;
    rec.name = run->name;
    rec.shape = run->shape;
    rec.d_model = run->spec.d_model;
    rec.layers = run->spec.layers;
    rec.heads = run->spec.heads;
    rec.kv_heads = run->spec.kv_heads;
    rec.d_ff = run->spec.d_ff;
    rec.flops = run->flops;
    rec.held_out = run->held_out;
    rec.batch = run->settings.batch * run->settings.accum;
    rec.ctx = run->settings.ctx;
    rec.lr = run->settings.lr;
    GB_RETURN_IF_ERROR(append_run_record(runs_path, rec));
    ++summary.trained;
    if (o.log)
      o.log(str_format("[%d/%zu] %s: val %.4f train %.4f, %.1f s, %.0f tok/s", idx, todo.size(),
                       run->name.c_str(), rec.val_loss, rec.train_loss, rec.seconds,
                       rec.tokens_per_s));
  }
  return summary;
}

}  // namespace glassbox::scale
