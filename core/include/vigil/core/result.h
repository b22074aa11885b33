// Result<T>: the one error model of vigil. Shaped like std::expected<T, Error> so it can become an
// alias under C++23. Every fallible call across a module boundary returns one; never drop it.
// Thread contract: plain values, no shared state.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace vigil {

enum class ErrorCode {
  invalid_argument,  // bad input from a user: rule, config, request, command line
  parse_error,       // a file or message that does not follow its format
  not_found,
  io_error,          // the OS or a library failed to read or write
  corrupt_data,      // stored data failed a checksum or does not decode
  unsupported,       // valid input that this build cannot handle yet
  internal,
};

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;

  // Prefixes context ("rules/local.rules:12: ") so the final message names where it happened.
  Error with_context(const std::string& context) const { return {code, context + ": " + message}; }
};

// Tag to build a failed Result: `return fail(ErrorCode::io_error, "cannot open " + path);`
struct Unexpected {
  Error error;
};
inline Unexpected fail(ErrorCode code, std::string message) { return {Error{code, std::move(message)}}; }
inline Unexpected fail(Error error) { return {std::move(error)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit like expected
  Result(Unexpected failure) : state_(std::in_place_index<1>, std::move(failure.error)) {}  // NOLINT

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { assert(has_value()); return std::get<0>(state_); }
  const T& value() const& { assert(has_value()); return std::get<0>(state_); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { assert(!has_value()); return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected failure) : error_(std::move(failure.error)), failed_(true) {}  // NOLINT

  bool has_value() const { return !failed_; }
  explicit operator bool() const { return has_value(); }
  const Error& error() const { assert(failed_); return error_; }

 private:
  Error error_;
  bool failed_ = false;
};

inline Result<void> ok() { return {}; }

}  // namespace vigil
