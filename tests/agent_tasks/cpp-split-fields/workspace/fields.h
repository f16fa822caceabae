#pragma once
#include <string>
#include <string_view>
#include <vector>

// Splits a line of comma-separated fields. Spaces and tabs around each field are removed. A field
// in double quotes may hold commas, and "" inside it stands for one quote. An empty line gives one
// empty field. Examples:
//   split_fields("a, b ,c")          -> {"a", "b", "c"}
//   split_fields("x,,y")             -> {"x", "", "y"}
//   split_fields(" \"a,b\" , \"q\"\"\" ") -> {"a,b", "q\""}
std::vector<std::string> split_fields(std::string_view line);
