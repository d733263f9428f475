// weft's one error vocabulary: a Status carries an errno value (0 = OK) and a message; StatusOr<T>
// carries a value or a non-OK Status. errno is the meaning every edge understands: FUSE replies with it,
// gRPC carries it (common/grpc_status.h), the data plane sends it in DataReply.err.
//
// Thread-safety: values; no shared state.
#pragma once

#include <cerrno>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace weft {

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  // REQUIRES: err >= 0. err == 0 makes an OK status (message ignored).
  Status(int err, std::string message) : err_(err), message_(err ? std::move(message) : std::string()) {}

  static Status Ok() { return Status(); }

  bool ok() const { return err_ == 0; }
  // The errno this status means; 0 when ok.
  int err() const { return err_; }
  const std::string& message() const { return message_; }
  // "ENOENT: no such volume 'x'" — for logs and CLI output.
  std::string ToString() const;

  // Prepends context: "open chunk 7/3: <message>".
  Status Annotate(std::string_view context) const;

  bool operator==(const Status& o) const { return err_ == o.err_; }

 private:
  int err_ = 0;
  std::string message_;
};

// Builds a non-OK status with a formatted message: Err(ENOENT, "no volume '{}'", name).
template <typename... Args>
Status Err(int err, fmt::format_string<Args...> f, Args&&... args) {
  return Status(err, fmt::format(f, std::forward<Args>(args)...));
}

// The symbolic name of an errno ("ENOENT"), or "E<n>" when unknown.
std::string_view ErrnoName(int err);

template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  // REQUIRES: !status.ok().
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.ok()) status_ = Status(EINVAL, "StatusOr built from an OK status without a value");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok().
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace weft

// The one return-on-error macro: evaluates a Status expression and returns it when not OK.
#define RETURN_IF_ERROR(expr)                   \
  do {                                          \
    ::weft::Status weft_status_ = (expr);       \
    if (!weft_status_.ok()) return weft_status_; \
  } while (0)
