#include "fields.h"

namespace {
std::string strip(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}
}  // namespace

std::vector<std::string> split_fields(std::string_view line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (true) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      size_t comma = line.find(',', i);
      out.push_back(field);
      if (comma == std::string_view::npos) return out;
      i = comma + 1;
    } else {
      size_t comma = line.find(',', i);
      out.push_back(strip(line.substr(i, comma == std::string_view::npos ? line.npos : comma - i)));
      if (comma == std::string_view::npos) return out;
      i = comma + 1;
    }
  }
}
