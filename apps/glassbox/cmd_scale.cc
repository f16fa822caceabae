// glassbox scale: scaling-law sweeps — run a plan, fit L(N, D), predict, report, plot.
#include <unistd.h>

#include <climits>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>
#include <string>

#include "args.h"
#include "base/mapped_file.h"
#include "commands.h"
#include "scale/plan.h"
#include "scale/plan_runner.h"
#include "scale/run_record.h"
#include "scale/sweep_analysis.h"
#include "scale/sweep_plots.h"
#include "train/params.h"

namespace glassbox::app {
namespace {
namespace fs = std::filesystem;

constexpr const char* kUsage =
    "usage: glassbox scale COMMAND ...\n"
    "  run PLAN.json [--held-out] [--threads N] [--dry-run]\n"
    "      train every planned run not yet in PLANDIR/runs.jsonl (resumable); held-out runs only\n"
    "      with --held-out. Runs train into PLANDIR/runs/<shape>-C<flops>/. --dry-run validates\n"
    "      the plan and lists the runs (params, steps, tokens, done or not) without training.\n"
    "  fit RUNS.jsonl [--exclude-held-out] [--bootstrap 200] [--seed S] [--budget C[,C...]]\n"
    "      [--json] [--out DIR]\n"
    "  fit --reference-sweep sweep.json [...]   the reference sweep's runs, converted\n"
    "      --hold-out-from C: runs of C FLOPs or more are predicted (and compared), not fitted\n"
    "      fit L(N, D) = E + A/N^alpha + B/D^beta (Huber on log loss, L-BFGS, bootstrap); "
    "--budget\n"
    "      prints N*, D*, tokens/param and the predicted loss; --out writes DIR/fit.json, "
    "report.md\n"
    "  predict RUNS.jsonl (--shape S --flops C | --params N --tokens D) [--bootstrap 200]\n"
    "      [--exclude-held-out] [--json]\n"
    "  report PLANDIR [--bootstrap 200] [--seed S]\n"
    "      fit the non-held-out runs, predict the held-out ones (compared with their measured "
    "loss\n"
    "      when run); writes PLANDIR/fit.json and PLANDIR/report.md\n"
    "  plot PLANDIR [--bootstrap 200]\n"
    "      writes PLANDIR/plots/{loss_curves,isoflop,contours,predictions}.svg\n";

int fail(const std::string& message) {
  const bool prefixed = message.rfind("scale: ", 0) == 0;
  std::fprintf(stderr, "glassbox scale: %s\n", message.c_str() + (prefixed ? 7 : 0));
  return 1;
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "glassbox scale: %s\n%s", message.c_str(), kUsage);
  return 2;
}

std::string self_exe(const char* argv0) {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n > 0) return std::string(buf, static_cast<size_t>(n));
  return argv0;
}

// Non-embedding parameters of a shape (param_layout with an empty vocabulary).
int64_t non_embedding_params(const scale::RunRecord& r) {
  train::TrainConfig c;
  c.d_model = r.d_model;
  c.n_layers = r.layers;
  c.n_heads = r.heads;
  c.n_kv_heads = r.kv_heads;
  c.d_ff = r.d_ff;
  c.ctx = r.ctx;
  int64_t n = 0;
  for (const auto& p : train::param_layout(c)) n += p.numel;
  return n;
}

// A sweep folder: its plan (plan.json, or the one file given) and its runs.jsonl.
struct SweepDir {
  std::string dir;
  std::optional<scale::ScalePlan> plan;
  std::string plan_error;
  std::vector<scale::RunRecord> records;
};

Result<SweepDir> open_sweep_dir(const std::string& path) {
  SweepDir s;
  std::error_code ec;
  std::string plan_path;
  if (fs::is_directory(path, ec)) {
    s.dir = path;
    plan_path = (fs::path(path) / "plan.json").string();
  } else {
    plan_path = path;
    s.dir = fs::path(path).parent_path().string();
    if (s.dir.empty()) s.dir = ".";
  }
  const std::string runs_path = (fs::path(s.dir) / "runs.jsonl").string();
  if (fs::exists(runs_path, ec)) {
    GB_ASSIGN_OR_RETURN(s.records, scale::read_runs_jsonl(runs_path));
  }
  if (fs::exists(plan_path, ec)) {
    auto plan = scale::load_plan(plan_path);
    if (!plan.ok() && !s.records.empty() && s.records[0].d_model > 0) {
      // The data folder may be gone: the vocabulary follows from any recorded run.
      const auto& r = s.records[0];
      const int64_t vocab = (r.params - non_embedding_params(r)) / r.d_model;
      auto text = read_file_to_string(plan_path);
      if (text.ok()) plan = scale::parse_plan(*text, s.dir, vocab);
    }
    if (plan.ok())
      s.plan = std::move(*plan);
    else
      s.plan_error = plan.status().message();
  }
  if (s.records.empty())
    return not_found("scale: '" + runs_path +
                     "' is missing or empty (run `glassbox scale run` first)");
  return s;
}

std::vector<scale::Target> held_out_targets(const SweepDir& s) {
  std::vector<scale::Target> t;
  auto measured = [&](const std::string& name) -> std::optional<double> {
    for (const auto& r : s.records)
      if (r.name == name) return r.val_loss;
    return std::nullopt;
  };
  if (s.plan) {
    for (const auto& r : s.plan->runs)
      if (r.held_out)
        t.push_back({r.name, static_cast<double>(r.params), static_cast<double>(r.tokens), r.flops,
                     measured(r.name)});
  } else {
    for (const auto& r : s.records)
      if (r.held_out)
        t.push_back({r.name, static_cast<double>(r.params), static_cast<double>(r.tokens), r.flops,
                     r.val_loss});
  }
  return t;
}

// The runs to fit: the last record of each name (a run recorded twice counts once), held-out runs
// left out when asked.
std::vector<scale::RunRecord> fit_records(const std::vector<scale::RunRecord>& all,
                                          bool exclude_held_out) {
  std::vector<scale::RunRecord> out;
  for (const auto& r : all) {
    if (exclude_held_out && r.held_out) continue;
    bool replaced = false;
    for (auto& o : out)
      if (o.name == r.name) o = r, replaced = true;
    if (!replaced) out.push_back(r);
  }
  return out;
}

// Distinct budgets of the runs, then the extra ones, ascending.
std::vector<double> budgets(const std::vector<scale::RunRecord>& runs, std::vector<double> extra) {
  for (const auto& r : runs) {
    bool seen = false;
    for (double x : extra) seen |= std::fabs(x - r.flops) <= 1e-6 * x;
    if (!seen) extra.push_back(r.flops);
  }
  std::sort(extra.begin(), extra.end());
  return extra;
}

Result<scale::FitOptions> fit_options(const Args& args) {
  scale::FitOptions o;
  GB_ASSIGN_OR_RETURN(int64_t boot, args.get_int("--bootstrap", 200));
  GB_ASSIGN_OR_RETURN(int64_t seed, args.get_int("--seed", 1));
  if (boot < 0 || boot > 100000) return invalid_argument("--bootstrap must be in 0..100000");
  o.bootstrap = static_cast<int>(boot);
  o.seed = static_cast<uint64_t>(seed);
  return o;
}

Result<std::vector<double>> parse_budgets(const Args& args) {
  std::vector<double> out;
  for (const auto& item : split_list(args.get_or("--budget", ""))) {
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (end == item.c_str() || *end != '\0' || !(v > 0) || !std::isfinite(v))
      return invalid_argument("--budget: '" + item + "' is not a positive number of FLOPs");
    out.push_back(v);
  }
  return out;
}

Status write_report(const std::string& dir, const scale::SweepAnalysis& a,
                    const scale::FitOptions& o, const std::string& title) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return io_error("scale: cannot create '" + dir + "': " + ec.message());
  const std::string json = scale::analysis_json(a, o).dump(2) + "\n";
  GB_RETURN_IF_ERROR(
      write_file_atomic((fs::path(dir) / "fit.json").string(), json.data(), json.size()));
  const std::string md = scale::analysis_markdown(a, title, o);
  return write_file_atomic((fs::path(dir) / "report.md").string(), md.data(), md.size());
}

int scale_run(int argc, char** argv, const char* argv0) {
  auto args = Args::parse(argc, argv, {"--threads|-t"}, {"-h|--help", "--held-out", "--dry-run"});
  if (!args.ok()) return usage_error(args.status().message());
  if (args->has("-h")) return std::fputs(kUsage, stdout), 0;
  if (args->positionals().size() != 1) return usage_error("scale run takes one PLAN file");
  auto threads = args->get_int("--threads", 0);
  if (!threads.ok() || *threads < 0) return usage_error("--threads must be >= 0");
  auto plan = scale::load_plan(args->positionals()[0]);
  if (!plan.ok()) return fail(plan.status().message());
  if (args->has("--dry-run")) {
    std::set<std::string> done;
    if (auto recs = scale::read_runs_jsonl((fs::path(plan->dir) / "runs.jsonl").string());
        recs.ok())
      for (const auto& r : *recs) done.insert(r.name);
    std::printf("%-16s %10s %7s %11s %9s %s\n", "run", "params", "steps", "tokens", "tok/param",
                "status");
    for (const auto& r : plan->runs)
      std::printf("%-16s %10lld %7lld %11lld %9.1f %s\n", r.name.c_str(), (long long)r.params,
                  (long long)r.steps, (long long)r.tokens, double(r.tokens) / double(r.params),
                  done.count(r.name) ? "done" : (r.held_out ? "held out" : "to run"));
    return 0;
  }
  scale::RunnerOptions o;
  o.exe = self_exe(argv0);
  o.threads = static_cast<int>(*threads);
  o.held_out = args->has("--held-out");
  o.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  auto summary = scale::run_plan(*plan, o);
  if (!summary.ok()) return fail(summary.status().message());
  std::fprintf(stderr,
               "glassbox scale run: %d trained, %d already recorded, %d held-out runs left for "
               "--held-out; records in %s\n",
               summary->trained, summary->done_before, summary->skipped_held_out,
               (fs::path(plan->dir) / "runs.jsonl").c_str());
  return 0;
}

int scale_fit(int argc, char** argv) {
  auto args = Args::parse(
      argc, argv,
      {"--bootstrap", "--seed", "--budget", "--out|-o", "--reference-sweep", "--hold-out-from"},
      {"-h|--help", "--exclude-held-out", "--json"});
  if (!args.ok()) return usage_error(args.status().message());
  if (args->has("-h")) return std::fputs(kUsage, stdout), 0;
  auto opts = fit_options(*args);
  if (!opts.ok()) return usage_error(opts.status().message());
  auto extra = parse_budgets(*args);
  if (!extra.ok()) return usage_error(extra.status().message());
  Result<std::vector<scale::RunRecord>> records = std::vector<scale::RunRecord>{};
  std::string source;
  if (auto ref = args->get("--reference-sweep")) {
    if (!args->positionals().empty())
      return usage_error("give RUNS.jsonl or --reference-sweep, not both");
    records = scale::read_reference_sweep(*ref);
    source = *ref;
  } else {
    if (args->positionals().size() != 1) return usage_error("scale fit takes one RUNS.jsonl");
    source = args->positionals()[0];
    records = scale::read_runs_jsonl(source);
  }
  if (!records.ok()) return fail(records.status().message());
  // --hold-out-from C: runs of C FLOPs or more are predicted, not fitted (a held-out test on any
  // runs file, e.g. the reference sweep).
  auto hold_from = args->get_double("--hold-out-from", 0);
  if (!hold_from.ok() || *hold_from < 0)
    return usage_error("--hold-out-from must be a number of FLOPs");
  std::vector<scale::RunRecord> kept;
  std::vector<scale::Target> targets;
  for (auto& r : *records) {
    if (*hold_from > 0 && r.flops >= *hold_from * (1 - 1e-9)) {
      targets.push_back({r.name, static_cast<double>(r.params), static_cast<double>(r.tokens),
                         r.flops, r.val_loss});
    } else {
      kept.push_back(r);
    }
  }
  const auto runs = fit_records(kept, args->has("--exclude-held-out"));
  auto a = scale::analyse_sweep(runs, targets, budgets(runs, *extra), *opts);
  if (!a.ok()) return fail(a.status().message());
  if (auto out = args->get("--out")) {
    Status s = write_report(*out, *a, *opts, "Scaling-law fit of " + source);
    if (!s.ok()) return fail(s.message());
  }
  if (args->has("--json"))
    std::printf("%s\n", scale::analysis_json(*a, *opts).dump().c_str());
  else
    std::fputs(scale::analysis_text(*a).c_str(), stdout);
  return 0;
}

int scale_predict(int argc, char** argv) {
  auto args = Args::parse(argc, argv,
                          {"--shape", "--flops", "--params", "--tokens", "--bootstrap", "--seed"},
                          {"-h|--help", "--exclude-held-out", "--json"});
  if (!args.ok()) return usage_error(args.status().message());
  if (args->has("-h")) return std::fputs(kUsage, stdout), 0;
  if (args->positionals().size() != 1) return usage_error("scale predict takes one RUNS.jsonl");
  auto opts = fit_options(*args);
  if (!opts.ok()) return usage_error(opts.status().message());
  const std::string runs_path = args->positionals()[0];
  auto records = scale::read_runs_jsonl(runs_path);
  if (!records.ok()) return fail(records.status().message());
  scale::Target t;
  if (args->has("--shape") && args->has("--flops")) {
    auto flops = args->get_double("--flops", 0);
    if (!flops.ok() || !(*flops > 0)) return usage_error("--flops must be a positive number");
    const std::string shape = *args->get("--shape");
    // The shape's parameter count and step size from a recorded run of it, else from the plan.
    int64_t params = 0, step_tokens = 0;
    for (const auto& r : *records)
      if (r.shape == shape) params = r.params, step_tokens = r.batch * r.ctx;
    if (params == 0) {
      const std::string plan_path = (fs::path(runs_path).parent_path() / "plan.json").string();
      auto dir = open_sweep_dir(plan_path);
      if (dir.ok() && dir->plan)
        for (const auto& r : dir->plan->runs)
          if (r.shape == shape)
            params = r.params, step_tokens = r.settings.batch * r.settings.accum * r.settings.ctx;
    }
    if (params == 0)
      return fail("shape '" + shape + "' is in neither " + runs_path +
                  " nor the plan.json beside it (give --params N --tokens D instead)");
    t.n = static_cast<double>(params);
    t.d = *flops / (6.0 * t.n);
    if (step_tokens > 0) t.d = std::max(1.0, std::floor(t.d / step_tokens)) * step_tokens;
    t.flops = *flops;
    t.name = scale::run_name(shape, *flops);
  } else if (args->has("--params") && args->has("--tokens")) {
    auto n = args->get_double("--params", 0), d = args->get_double("--tokens", 0);
    if (!n.ok() || !d.ok() || !(*n > 0) || !(*d > 0))
      return usage_error("--params and --tokens must be positive numbers");
    t.n = *n;
    t.d = *d;
    t.flops = 6 * t.n * t.d;
    t.name = str_format("N=%.4g D=%.4g", t.n, t.d);
  } else {
    return usage_error("give --shape S --flops C, or --params N --tokens D");
  }
  for (const auto& r : *records)
    if (r.name == t.name) t.measured = r.val_loss;
  const auto runs = fit_records(*records, args->has("--exclude-held-out"));
  auto a = scale::analyse_sweep(runs, {t}, {}, *opts);
  if (!a.ok()) return fail(a.status().message());
  const auto& p = a->predictions[0];
  if (args->has("--json")) {
    std::printf("%s\n", scale::analysis_json(*a, *opts)["held_out"][0].dump().c_str());
  } else {
    std::printf("%s: N = %.6g, D = %.6g: predicted loss %.4f, 5–95%% [%.4f, %.4f]", t.name.c_str(),
                t.n, t.d, p.predicted, p.interval.lo, p.interval.hi);
    if (p.error)
      std::printf("; measured %.4f, error %+.4f nats (%+.2f%%)", *t.measured, *p.error,
                  *p.error_pct);
    std::printf("\n");
  }
  return 0;
}

int scale_report_or_plot(int argc, char** argv, bool plot) {
  auto args = Args::parse(argc, argv, {"--bootstrap", "--seed"}, {"-h|--help"});
  if (!args.ok()) return usage_error(args.status().message());
  if (args->has("-h")) return std::fputs(kUsage, stdout), 0;
  if (args->positionals().size() != 1) return usage_error("give one PLANDIR");
  auto opts = fit_options(*args);
  if (!opts.ok()) return usage_error(opts.status().message());
  auto dir = open_sweep_dir(args->positionals()[0]);
  if (!dir.ok()) return fail(dir.status().message());
  if (!dir->plan && !dir->plan_error.empty())
    std::fprintf(stderr, "glassbox scale: warning: %s; held-out runs taken from runs.jsonl\n",
                 dir->plan_error.c_str());
  const auto runs = fit_records(dir->records, true);
  auto a = scale::analyse_sweep(runs, held_out_targets(*dir), budgets(runs, {}), *opts);
  if (!a.ok()) return fail(a.status().message());
  if (!plot) {
    const std::string title = "Scaling-law report" +
                              (dir->plan && !dir->plan->name.empty() ? ": " + dir->plan->name : "");
    Status s = write_report(dir->dir, *a, *opts, title);
    if (!s.ok()) return fail(s.message());
    std::fputs(scale::analysis_text(*a).c_str(), stdout);
    std::fprintf(stderr, "glassbox scale report: wrote %s/fit.json and %s/report.md\n",
                 dir->dir.c_str(), dir->dir.c_str());
    return 0;
  }
  std::vector<scale::LossCurve> curves;
  for (const auto& r : dir->records) {
    const std::string log = (fs::path(dir->dir) / "runs" / r.name / "log.jsonl").string();
    std::error_code ec;
    if (!fs::exists(log, ec)) {
      std::fprintf(stderr, "glassbox scale: warning: no loss curve for %s (%s missing)\n",
                   r.name.c_str(), log.c_str());
      continue;
    }
    auto c = scale::read_loss_curve(log, r.name);
    if (!c.ok()) return fail(c.status().message());
    curves.push_back(std::move(*c));
  }
  auto paths = scale::write_sweep_plots((fs::path(dir->dir) / "plots").string(), *a, curves);
  if (!paths.ok()) return fail(paths.status().message());
  for (const auto& p : *paths) std::printf("%s\n", p.c_str());
  return 0;
}

}  // namespace

int cmd_scale(int argc, char** argv) {
  const std::string sub = argc >= 1 ? argv[0] : "";
  if (sub == "-h" || sub == "--help") return std::fputs(kUsage, stdout), 0;
  if (sub == "run") return scale_run(argc - 1, argv + 1, "glassbox");
  if (sub == "fit") return scale_fit(argc - 1, argv + 1);
  if (sub == "predict") return scale_predict(argc - 1, argv + 1);
  if (sub == "report") return scale_report_or_plot(argc - 1, argv + 1, false);
  if (sub == "plot") return scale_report_or_plot(argc - 1, argv + 1, true);
  return usage_error(sub.empty() ? "missing command" : "unknown command '" + sub + "'");
}

}  // namespace glassbox::app
