// glassbox keys: create, list and revoke the API keys `glassbox serve` accepts (stored hashed in the --db).
#include <cstdio>
#include <ctime>
#include <string>

#include <nlohmann/json.hpp>

#include "args.h"
#include "commands.h"
#include "store/store.h"

namespace glassbox::app {
namespace {

constexpr const char* kUsage =
    "usage: glassbox keys create NAME [--rpm N] [--tokens-per-day N] [--tokens-per-month N] [--db URL]\n"
    "       glassbox keys list [--json] [--db URL]\n"
    "       glassbox keys revoke ID|PREFIX [--db URL]\n"
    "  create prints the new secret (gb-...) on stdout; it is shown only this once, the database keeps its SHA-256\n"
    "  --rpm N                 requests per minute (sliding window; 0 = unlimited, the default)\n"
    "  --tokens-per-day N      input + output tokens per UTC day (0 = unlimited)\n"
    "  --tokens-per-month N    input + output tokens per UTC month (0 = unlimited)\n"
    "  --db URL                sqlite:PATH or postgres://user@host:port/db (default $GLASSBOX_DB, else\n"
    "                          sqlite:glassbox.db)\n";

std::string utc_time(int64_t ms) {
  if (ms == 0) return "-";
  time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string limit_text(int64_t v) { return v > 0 ? std::to_string(v) : "-"; }

int fail(const Status& s) {
  std::fprintf(stderr, "glassbox keys: %s\n", s.message().c_str());
  return 1;
}

}  // namespace

int cmd_keys(int argc, char** argv) {
  auto args = Args::parse(argc, argv, {"--rpm", "--tokens-per-day", "--tokens-per-month", "--db"},
                          {"--json", "-h|--help"});
  if (!args.ok()) {
    std::fprintf(stderr, "glassbox keys: %s\n%s", args.status().message().c_str(), kUsage);
    return 2;
  }
  const auto& pos = args->positionals();
  if (args->has("-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const std::string action = pos.empty() ? "" : pos[0];
  const size_t want = action == "list" ? 1 : 2;
  if ((action != "create" && action != "list" && action != "revoke") || pos.size() != want) {
    std::fprintf(stderr, "glassbox keys: expected create NAME, list or revoke ID|PREFIX\n%s", kUsage);
    return 2;
  }
  store::KeyLimits limits;
  auto rpm = args->get_int("--rpm", 0);
  auto tpd = args->get_int("--tokens-per-day", 0);
  auto tpm = args->get_int("--tokens-per-month", 0);
  for (const Status* s : {&rpm.status(), &tpd.status(), &tpm.status()}) {
    if (!s->ok()) {
      std::fprintf(stderr, "glassbox keys: %s\n", s->message().c_str());
      return 2;
    }
  }
  limits = {*rpm, *tpd, *tpm};
  const std::string url = store::resolve_db_url(args->get_or("--db", ""));
  auto db = store::Store::open(url);
  if (!db.ok()) return fail(db.status());
  store::Store& st = **db;

  if (action == "create") {
    auto key = st.create_key(pos[1], limits, store::now_ms());
    if (!key.ok()) return fail(key.status());
    std::fprintf(stderr,
                 "glassbox keys: created key %lld '%s' (%s) in %s; rpm %s, tokens/day %s, tokens/month %s.\n"
                 "The secret below is shown only now; the database keeps its SHA-256.\n",
                 static_cast<long long>(key->info.id), key->info.name.c_str(), key->info.prefix.c_str(), url.c_str(),
                 limit_text(limits.requests_per_minute).c_str(), limit_text(limits.tokens_per_day).c_str(),
                 limit_text(limits.tokens_per_month).c_str());
    std::printf("%s\n", key->secret.c_str());
    return 0;
  }
  if (action == "revoke") {
    auto key = st.revoke_key(pos[1], store::now_ms());
    if (!key.ok()) return fail(key.status());
    std::printf("revoked key %lld '%s' (%s) at %s\n", static_cast<long long>(key->id), key->name.c_str(),
                key->prefix.c_str(), utc_time(key->revoked_ms).c_str());
    return 0;
  }
  auto keys = st.list_keys();
  if (!keys.ok()) return fail(keys.status());
  if (args->has("--json")) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& k : *keys) {
      out.push_back({{"id", k.id},
                     {"name", k.name},
                     {"prefix", k.prefix},
                     {"requests_per_minute", k.limits.requests_per_minute},
                     {"tokens_per_day", k.limits.tokens_per_day},
                     {"tokens_per_month", k.limits.tokens_per_month},
                     {"created", utc_time(k.created_ms)},
                     {"revoked", k.active() ? nlohmann::ordered_json()
                                            : nlohmann::ordered_json(utc_time(k.revoked_ms))}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("%-4s %-20s %-12s %8s %12s %14s  %-20s  %s\n", "ID", "NAME", "PREFIX", "RPM", "TOKENS/DAY",
              "TOKENS/MONTH", "CREATED", "REVOKED");
  for (const auto& k : *keys) {
    std::printf("%-4lld %-20s %-12s %8s %12s %14s  %-20s  %s\n", static_cast<long long>(k.id), k.name.c_str(),
                k.prefix.c_str(), limit_text(k.limits.requests_per_minute).c_str(),
                limit_text(k.limits.tokens_per_day).c_str(), limit_text(k.limits.tokens_per_month).c_str(),
                utc_time(k.created_ms).c_str(), utc_time(k.revoked_ms).c_str());
  }
  return 0;
}

}  // namespace glassbox::app
