// Status and Result<T>: errors as values at every boundary that reads outside input.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace glassbox {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller's input is wrong (bad flag, bad request)
  kNotFound,         // a named thing does not exist (file, tensor, token)
  kDataLoss,         // a file is malformed or truncated
  kUnimplemented,    // valid input that glassbox does not support (yet)
  kOutOfRange,       // a value past a limit (context length, offset)
  kInternal,         // a bug or an unexpected system failure
  kIo,               // the operating system refused (open, read, write, mmap)
};

const char* status_code_name(StatusCode code);

// A success or an error with a message that names the thing and what was expected.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status ok_status() { return Status(); }
Status invalid_argument(std::string message);
Status not_found(std::string message);
Status data_loss(std::string message);
Status unimplemented(std::string message);
Status out_of_range(std::string message);
Status internal_error(std::string message);
Status io_error(std::string message);

// printf-style formatting into a std::string, for error messages.
std::string str_format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// A value or an error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT
    if (std::get<Status>(data_).ok()) data_ = Status(StatusCode::kInternal, "Result from ok status");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace glassbox

#define GB_CONCAT_INNER(a, b) a##b
#define GB_CONCAT(a, b) GB_CONCAT_INNER(a, b)

// Returns the error from the enclosing function when `expr` (a Status) is not ok.
#define GB_RETURN_IF_ERROR(expr)                  \
  do {                                            \
    ::glassbox::Status gb_status_ = (expr);       \
    if (!gb_status_.ok()) return gb_status_;      \
  } while (0)

// `GB_ASSIGN_OR_RETURN(auto x, make_x());` unwraps a Result or returns its error.
#define GB_ASSIGN_OR_RETURN(lhs, expr) GB_ASSIGN_OR_RETURN_IMPL(GB_CONCAT(gb_result_, __LINE__), lhs, expr)
#define GB_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
