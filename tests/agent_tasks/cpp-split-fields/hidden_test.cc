#include <cstdio>

#include "fields.h"

int main() {
  int failures = 0;
  auto check = [&](std::string_view in, std::vector<std::string> want) {
    auto got = split_fields(in);
    if (got != want) {
      std::printf("FAIL: split_fields(\"%.*s\") gave %zu fields:", static_cast<int>(in.size()),
                  in.data(), got.size());
      for (const auto& g : got) std::printf(" [%s]", g.c_str());
      std::printf("\n");
      ++failures;
    }
  };
  check("a, b ,c", {"a", "b", "c"});
  check("x,,y", {"x", "", "y"});
  check(" \"a,b\" , \"q\"\"\" ", {"a,b", "q\""});
  check("", {""});
  check("one", {"one"});
  check("\t lead,trail\t", {"lead", "trail"});
  check("a,", {"a", ""});
  check("\"\"", {""});
  if (failures == 0) std::printf("ok\n");
  return failures == 0 ? 0 : 1;
}
