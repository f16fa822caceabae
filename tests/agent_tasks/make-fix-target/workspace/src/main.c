#include <stdio.h>
#include <string.h>

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "--check") == 0) {
    puts("check passed");
    return 0;
  }
  puts("hello");
  return 0;
}
