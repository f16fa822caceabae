# Writes a C++ source that holds a file's bytes: cmake -DINPUT=f -DOUTPUT=o.cc -DNAME=fn -P embed_file.cmake
# defines `std::string_view glassbox::server::web::NAME()` returning the file's exact bytes (a byte array, so
# no escaping or raw-string delimiter can go wrong).
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){24})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
"// Generated from ${INPUT} by embed_file.cmake; do not edit.\n"
"#include <string_view>\n\n"
"namespace glassbox::server::web {\n"
"namespace {\n"
"const unsigned char kBytes[${size} + 1] = {\n${bytes}0};\n"
"}  // namespace\n"
"std::string_view ${NAME}() { return {reinterpret_cast<const char*>(kBytes), ${size}}; }\n"
"}  // namespace glassbox::server::web\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
