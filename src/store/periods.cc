// Quota periods: UTC calendar arithmetic with timegm/gmtime_r.
#include "store/periods.h"

#include <ctime>

namespace glassbox::store {
namespace {

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t month_start(int64_t ms, int add_months) {
  time_t secs = static_cast<time_t>(floor_div(ms, 1000));
  struct tm tm {};
  gmtime_r(&secs, &tm);
  struct tm start {};
  start.tm_year = tm.tm_year;
  start.tm_mon = tm.tm_mon + add_months;  // timegm normalises month 12 into the next year
  start.tm_mday = 1;
  return static_cast<int64_t>(timegm(&start)) * 1000;
}

}  // namespace

int64_t utc_day_start(int64_t ms) { return floor_div(ms, kDayMs) * kDayMs; }
int64_t utc_month_start(int64_t ms) { return month_start(ms, 0); }
int64_t utc_next_month_start(int64_t ms) { return month_start(ms, 1); }

int64_t seconds_until(int64_t ms, int64_t now_ms) {
  int64_t s = (ms - now_ms + 999) / 1000;
  return s < 1 ? 1 : s;
}

}  // namespace glassbox::store
