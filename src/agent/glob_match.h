// Glob patterns as used by the Glob and Grep tools and permission rules: `*` (within a path
// segment),
// `**` (any number of segments), `?`, `[abc]`, `{a,b}`.
#pragma once

#include <memory>
#include <string>

namespace glassbox::agent {

// A compiled pattern; matching is against '/'-separated relative paths. Thread-safe after
// construction.
class GlobMatcher {
 public:
  explicit GlobMatcher(const std::string& pattern);
  ~GlobMatcher();
  GlobMatcher(GlobMatcher&&) noexcept;
  bool matches(const std::string& path) const;
  const std::string& pattern() const { return pattern_; }

 private:
  struct Impl;
  std::string pattern_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace glassbox::agent
