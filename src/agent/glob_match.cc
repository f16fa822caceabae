// GlobMatcher: translates a glob into an anchored regular expression once.
#include "agent/glob_match.h"

#include <regex>

namespace glassbox::agent {

struct GlobMatcher::Impl {
  std::regex re;
};

namespace {

std::string glob_to_regex(const std::string& g) {
  std::string re;
  int brace_depth = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    char c = g[i];
    if (c == '*') {
      if (i + 1 < g.size() && g[i + 1] == '*') {
        bool slash_after = i + 2 < g.size() && g[i + 2] == '/';
        bool at_segment_start = i == 0 || g[i - 1] == '/';
        if (slash_after && at_segment_start) {
          re += "(?:.*/)?";
          i += 2;
        } else {
          re += ".*";
          i += 1;
        }
      } else {
        re += "[^/]*";
      }
    } else if (c == '?') {
      re += "[^/]";
    } else if (c == '[') {
      size_t close = g.find(']', i + 1);
      if (close == std::string::npos) {
        re += "\\[";
      } else {
        std::string body = g.substr(i + 1, close - i - 1);
        if (!body.empty() && body[0] == '!') body[0] = '^';
        re += "[" + body + "]";
        i = close;
      }
    } else if (c == '{') {
      re += "(?:";
      ++brace_depth;
    } else if (c == '}' && brace_depth > 0) {
      re += ")";
      --brace_depth;
    } else if (c == ',' && brace_depth > 0) {
      re += "|";
    } else if (std::string("\\^$.|+()").find(c) != std::string::npos || c == '}' || c == ']') {
      re += '\\';
      re += c;
    } else {
      re += c;
    }
  }
  while (brace_depth-- > 0) re += ")";
  return re;
}

}  // namespace

GlobMatcher::GlobMatcher(const std::string& pattern)
    : pattern_(pattern), impl_(std::make_unique<Impl>()) {
  try {
    impl_->re = std::regex(glob_to_regex(pattern), std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error&) {
    impl_->re = std::regex("(?!)");  // an unparsable glob matches nothing
  }
}
GlobMatcher::~GlobMatcher() = default;
GlobMatcher::GlobMatcher(GlobMatcher&&) noexcept = default;

bool GlobMatcher::matches(const std::string& path) const {
  return std::regex_match(path, impl_->re);
}

}  // namespace glassbox::agent
