// Args parsing.
#include "args.h"

#include <cstdlib>
#include <sstream>

namespace glassbox::app {
namespace {
std::vector<std::string> split_aliases(const std::string& spec) {
  std::vector<std::string> out;
  std::stringstream ss(spec);
  std::string part;
  while (std::getline(ss, part, '|')) out.push_back(part);
  return out;
}
}  // namespace

std::string Args::canonical(const std::string& flag) const {
  auto it = alias_.find(flag);
  return it == alias_.end() ? flag : it->second;
}

Result<Args> Args::parse(int argc, char** argv, const std::vector<std::string>& value_flags,
                         const std::vector<std::string>& switches) {
  Args args;
  std::set<std::string> takes_value;
  for (const auto& spec : value_flags) {
    auto names = split_aliases(spec);
    for (const auto& n : names) {
      args.alias_[n] = names[0];
      takes_value.insert(n);
    }
  }
  for (const auto& spec : switches) {
    auto names = split_aliases(spec);
    for (const auto& n : names) args.alias_[n] = names[0];
  }
  bool only_positionals = false;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (only_positionals || a.size() < 2 || a[0] != '-' || (a.size() > 1 && (std::isdigit(a[1]) || a[1] == '.'))) {
      args.positionals_.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positionals = true;
      continue;
    }
    std::string name = a, value;
    bool has_inline = false;
    if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      has_inline = true;
    }
    if (!args.alias_.count(name)) return invalid_argument("unknown option '" + name + "' (see --help)");
    std::string canon = args.alias_[name];
    if (takes_value.count(name)) {
      if (!has_inline) {
        if (i + 1 >= argc) return invalid_argument("option '" + name + "' needs a value");
        value = argv[++i];
      }
      args.values_[canon] = value;
    } else {
      if (has_inline) return invalid_argument("option '" + name + "' takes no value");
      args.switches_set_.insert(canon);
    }
  }
  return args;
}

bool Args::has(const std::string& flag) const {
  std::string c = canonical(flag);
  return values_.count(c) > 0 || switches_set_.count(c) > 0;
}

std::optional<std::string> Args::get(const std::string& flag) const {
  auto it = values_.find(canonical(flag));
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Args::get_or(const std::string& flag, const std::string& fallback) const {
  auto v = get(flag);
  return v ? *v : fallback;
}

Result<int64_t> Args::get_int(const std::string& flag, int64_t fallback) const {
  auto v = get(flag);
  if (!v) return fallback;
  char* end = nullptr;
  errno = 0;
  long long x = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || errno != 0) {
    return invalid_argument("option '" + flag + "': '" + *v + "' is not an integer");
  }
  return static_cast<int64_t>(x);
}

Result<double> Args::get_double(const std::string& flag, double fallback) const {
  auto v = get(flag);
  if (!v) return fallback;
  char* end = nullptr;
  errno = 0;
  double x = std::strtod(v->c_str(), &end);
  if (v->empty() || *end != '\0' || errno != 0) {
    return invalid_argument("option '" + flag + "': '" + *v + "' is not a number");
  }
  return x;
}

std::vector<std::string> split_list(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t c = s.find(sep, pos);
    if (c == std::string::npos) c = s.size();
    if (c > pos) out.push_back(s.substr(pos, c - pos));
    pos = c + 1;
  }
  return out;
}

}  // namespace glassbox::app
