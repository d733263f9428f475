// What weftctl prints. A command builds one document (a Value tree) for machines and a text view for
// humans; Printer picks by -o:
//   table  aligned columns with UPPERCASE headers and human sizes (kubectl style), or "Key:  value"
//          lines for one object
//   json   the document, pretty-printed: stable snake_case keys in a fixed order, numbers as numbers,
//          sizes in bytes, times as unix milliseconds
//   yaml   the same document as block YAML
//
// Thread-safety: values; a Printer is used by one thread.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/status.h"

namespace weft::cli {

// A JSON-like value whose objects keep their keys in insertion order.
class Value {
 public:
  using Array = std::vector<Value>;
  using Object = std::vector<std::pair<std::string, Value>>;

  Value() = default;  // null
  template <std::integral T>
  Value(T v) {  // NOLINT: implicit by design, like the literals it stands for
    if constexpr (std::is_same_v<T, bool>) {
      v_ = v;
    } else if constexpr (std::is_signed_v<T>) {
      v_ = static_cast<int64_t>(v);
    } else {
      v_ = static_cast<uint64_t>(v);
    }
  }
  Value(double v) : v_(v) {}                  // NOLINT
  Value(std::string v) : v_(std::move(v)) {}  // NOLINT
  Value(std::string_view v) : v_(std::string(v)) {}  // NOLINT
  Value(const char* v) : v_(std::string(v)) {}       // NOLINT

  static Value MakeObject() { return Value(Object{}); }
  static Value MakeArray() { return Value(Array{}); }

  // REQUIRES: an object. Appends key (or replaces its value); returns *this for chaining.
  Value& Set(std::string key, Value v);
  // REQUIRES: an array.
  Value& Push(Value v);

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_object() const { return std::holds_alternative<Object>(v_); }
  bool is_array() const { return std::holds_alternative<Array>(v_); }
  const Object& object() const { return std::get<Object>(v_); }
  const Array& array() const { return std::get<Array>(v_); }
  // The member called key, or nullptr (also when not an object).
  const Value* Find(std::string_view key) const;

  using Variant = std::variant<std::monostate, bool, int64_t, uint64_t, double, std::string, Array, Object>;
  const Variant& variant() const { return v_; }

 private:
  explicit Value(Object o) : v_(std::move(o)) {}
  explicit Value(Array a) : v_(std::move(a)) {}
  Variant v_;
};

// Pretty JSON (2-space indent, ending in a newline). Strings are escaped per RFC 8259; non-finite
// doubles print as null.
std::string ToJson(const Value& v);
// Block YAML (ending in a newline): strings that YAML could read as anything else are double-quoted.
std::string ToYaml(const Value& v);

// An aligned table: UPPERCASE headers, columns left-aligned and separated by three spaces.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  // Rows shorter than the header are padded with empty cells.
  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "Label:   value" lines for one object, values aligned (kubectl describe style). A label ending in
// nothing but spaces is a section heading.
class Fields {
 public:
  Fields& Add(std::string label, std::string value);
  std::string Render() const;

 private:
  std::vector<std::pair<std::string, std::string>> rows_;
};

enum class Format { kTable, kJson, kYaml };
// "table" | "json" | "yaml"; EINVAL otherwise.
StatusOr<Format> ParseFormat(std::string_view name);

class Printer {
 public:
  Printer(Format format, std::ostream& out) : format_(format), out_(out) {}
  Format format() const { return format_; }
  // JSON/YAML: prints doc. Table: prints human() (called only then).
  void Emit(const Value& doc, const std::function<std::string()>& human);

 private:
  const Format format_;
  std::ostream& out_;
};

// The number of terminal columns a UTF-8 string takes (one per code point; no wide characters).
size_t DisplayWidth(std::string_view s);

}  // namespace weft::cli
