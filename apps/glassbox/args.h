// Args: a small command-line parser for subcommands (flags with values, switches, positionals).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"

namespace glassbox::app {

class Args {
 public:
  // `value_flags` take a value ("-m X", "--model=X"); `switches` take none. Each entry may list
  // aliases separated by '|': "-m|--model". Unknown flags are an error naming the flag.
  static Result<Args> parse(int argc, char** argv, const std::vector<std::string>& value_flags,
                            const std::vector<std::string>& switches);

  bool has(const std::string& flag) const;
  std::optional<std::string> get(const std::string& flag) const;
  std::string get_or(const std::string& flag, const std::string& fallback) const;
  // Numeric getters: an error names the flag and the bad value.
  Result<int64_t> get_int(const std::string& flag, int64_t fallback) const;
  Result<double> get_double(const std::string& flag, double fallback) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  std::string canonical(const std::string& flag) const;
  std::map<std::string, std::string> alias_;  // any spelling -> first spelling
  std::map<std::string, std::string> values_;
  std::set<std::string> switches_set_;
  std::vector<std::string> positionals_;
};

// Splits "a,b,,c" into {"a", "b", "c"} (empty items dropped).
std::vector<std::string> split_list(const std::string& s, char sep = ',');

}  // namespace glassbox::app
