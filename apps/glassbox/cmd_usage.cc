// glassbox usage: requests and tokens per key or per UTC day, from the usage ledger that glassbox serve writes.
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
    "usage: glassbox usage [--key K] [--since DATE] [--until DATE] [--by key|day] [--json] [--db URL]\n"
    "  --key K         one key: its id, prefix or name ('--api-key' or 'anonymous' for unstored callers)\n"
    "  --since DATE    from DATE (UTC): YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z]\n"
    "  --until DATE    up to DATE (exclusive; a bare YYYY-MM-DD includes that whole day)\n"
    "  --by key|day    one row per key (default) or per UTC day\n"
    "  --json          machine-readable output\n"
    "  --db URL        sqlite:PATH or postgres://... (default $GLASSBOX_DB, else sqlite:glassbox.db)\n";

constexpr int64_t kDayMs = 86'400'000;

// Parses a UTC date or date-time into Unix ms; `end_of_day` moves a bare date to the next midnight.
Result<int64_t> parse_date(const std::string& flag, const std::string& text, bool end_of_day) {
  struct tm tm {};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char tail[8] = {0};
  int n = std::sscanf(text.c_str(), "%4d-%2d-%2d%*[T ]%2d:%2d:%2d%7s", &y, &mo, &d, &h, &mi, &s, tail);
  bool date_only = n == 3 && text.size() == 10;
  if (n == 5) n = std::sscanf(text.c_str(), "%4d-%2d-%2d%*[T ]%2d:%2d%7s", &y, &mo, &d, &h, &mi, tail) + 1;
  bool ok = (date_only || n >= 6) && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h < 24 && mi < 60 && s < 61 &&
            (tail[0] == 0 || std::string(tail) == "Z");
  if (!ok) {
    return invalid_argument(flag + " '" + text + "': expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z] (UTC)");
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  int64_t ms = static_cast<int64_t>(timegm(&tm)) * 1000;
  return date_only && end_of_day ? ms + kDayMs : ms;
}

std::string utc_day(int64_t ms) {
  time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[16];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
  return buf;
}

Result<int64_t> resolve_key(store::Store& st, const std::string& k) {
  if (k == "--api-key" || k == "anonymous") return int64_t{0};
  auto keys = st.list_keys();
  if (!keys.ok()) return keys.status();
  int64_t found = -1;
  int matches = 0;
  for (const auto& key : *keys) {
    if (std::to_string(key.id) == k || key.prefix == k || key.name == k) {
      found = key.id;
      ++matches;
    }
  }
  if (matches == 0) return not_found("--key '" + k + "': no key with that id, prefix or name (glassbox keys list)");
  if (matches > 1) return invalid_argument("--key '" + k + "': several keys match; use the id");
  return found;
}

}  // namespace

int cmd_usage(int argc, char** argv) {
  auto args = Args::parse(argc, argv, {"--key", "--since", "--until", "--by", "--db"}, {"--json", "-h|--help"});
  if (!args.ok()) {
    std::fprintf(stderr, "glassbox usage: %s\n%s", args.status().message().c_str(), kUsage);
    return 2;
  }
  if (args->has("-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!args->positionals().empty()) {
    std::fprintf(stderr, "glassbox usage: unexpected argument '%s'\n%s", args->positionals()[0].c_str(), kUsage);
    return 2;
  }
  store::UsageQuery q;
  const std::string by = args->get_or("--by", "key");
  if (by != "key" && by != "day") {
    std::fprintf(stderr, "glassbox usage: --by '%s': expected key or day\n", by.c_str());
    return 2;
  }
  q.group_by = by == "day" ? store::UsageQuery::GroupBy::kDay : store::UsageQuery::GroupBy::kKey;
  for (const auto& [flag, field, end] : {std::tuple{"--since", &q.since_ms, false}, {"--until", &q.until_ms, true}}) {
    if (auto text = args->get(flag)) {
      auto ms = parse_date(flag, *text, end);
      if (!ms.ok()) {
        std::fprintf(stderr, "glassbox usage: %s\n", ms.status().message().c_str());
        return 2;
      }
      *field = *ms;
    }
  }
  auto db = store::Store::open(store::resolve_db_url(args->get_or("--db", "")));
  if (!db.ok()) {
    std::fprintf(stderr, "glassbox usage: %s\n", db.status().message().c_str());
    return 1;
  }
  if (auto k = args->get("--key")) {
    auto id = resolve_key(**db, *k);
    if (!id.ok()) {
      std::fprintf(stderr, "glassbox usage: %s\n", id.status().message().c_str());
      return 1;
    }
    q.key_id = *id;
  }
  auto totals = (*db)->usage(q);
  if (!totals.ok()) {
    std::fprintf(stderr, "glassbox usage: %s\n", totals.status().message().c_str());
    return 1;
  }
  const bool by_day = q.group_by == store::UsageQuery::GroupBy::kDay;
  if (args->has("--json")) {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const auto& t : *totals) {
      nlohmann::ordered_json row;
      if (by_day) {
        row["day"] = utc_day(t.day_start_ms);
      } else {
        row["key_id"] = t.key_id;
        row["key_name"] = t.key_name;
      }
      row["requests"] = t.requests;
      row["refused"] = t.refused;
      row["incomplete"] = t.incomplete;
      row["input_tokens"] = t.input_tokens;
      row["cached_tokens"] = t.cached_tokens;
      row["output_tokens"] = t.output_tokens;
      rows.push_back(row);
    }
    std::printf("%s\n", nlohmann::ordered_json{{"group_by", by}, {"rows", rows}}.dump(2).c_str());
    return 0;
  }
  std::printf("%-28s %9s %8s %11s %12s %12s %12s\n", by_day ? "DAY (UTC)" : "KEY", "REQUESTS", "REFUSED",
              "INCOMPLETE", "INPUT", "CACHED", "OUTPUT");
  for (const auto& t : *totals) {
    std::string label = by_day ? utc_day(t.day_start_ms) : std::to_string(t.key_id) + " " + t.key_name;
    std::printf("%-28s %9lld %8lld %11lld %12lld %12lld %12lld\n", label.c_str(), static_cast<long long>(t.requests),
                static_cast<long long>(t.refused), static_cast<long long>(t.incomplete),
                static_cast<long long>(t.input_tokens), static_cast<long long>(t.cached_tokens),
                static_cast<long long>(t.output_tokens));
  }
  return 0;
}

}  // namespace glassbox::app
