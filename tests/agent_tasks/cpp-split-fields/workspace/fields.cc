#include "fields.h"

std::vector<std::string> split_fields(std::string_view line) {
  // TODO
  return {};
}
