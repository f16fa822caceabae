// Quota periods: the sliding minute and the UTC calendar day and month, in Unix milliseconds.
#pragma once

#include <cstdint>

namespace glassbox::store {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kDayMs = 86'400'000;

int64_t utc_day_start(int64_t ms);
int64_t utc_month_start(int64_t ms);
int64_t utc_next_month_start(int64_t ms);
// Whole seconds from now until `ms` (at least 1).
int64_t seconds_until(int64_t ms, int64_t now_ms);

}  // namespace glassbox::store
