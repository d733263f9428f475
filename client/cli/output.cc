#include "client/cli/output.h"

#include <cmath>
#include <ostream>

namespace weft::cli {
namespace {

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      case '\b': *out += "\\b"; break;
      case '\f': *out += "\\f"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          *out += fmt::format("\\u{:04x}", c);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

std::string FormatDouble(double d) {
  if (!std::isfinite(d)) return "null";
  std::string s = fmt::format("{}", d);  // shortest round-trip form
  return s;
}

// Scalars print the same in JSON and YAML, except strings.
bool AppendScalar(std::string* out, const Value::Variant& v) {
  if (std::holds_alternative<std::monostate>(v)) {
    *out += "null";
  } else if (auto* b = std::get_if<bool>(&v)) {
    *out += *b ? "true" : "false";
  } else if (auto* i = std::get_if<int64_t>(&v)) {
    *out += std::to_string(*i);
  } else if (auto* u = std::get_if<uint64_t>(&v)) {
    *out += std::to_string(*u);
  } else if (auto* d = std::get_if<double>(&v)) {
    *out += FormatDouble(*d);
  } else {
    return false;
  }
  return true;
}

void AppendJson(std::string* out, const Value& v, int indent) {
  const std::string pad(static_cast<size_t>(indent + 2), ' ');
  if (AppendScalar(out, v.variant())) return;
  if (auto* s = std::get_if<std::string>(&v.variant())) return AppendJsonString(out, *s);
  if (v.is_array()) {
    if (v.array().empty()) return void(*out += "[]");
    *out += "[\n";
    for (size_t i = 0; i < v.array().size(); ++i) {
      *out += pad;
      AppendJson(out, v.array()[i], indent + 2);
      *out += i + 1 < v.array().size() ? ",\n" : "\n";
    }
    *out += std::string(static_cast<size_t>(indent), ' ') + "]";
    return;
  }
  if (v.object().empty()) return void(*out += "{}");
  *out += "{\n";
  for (size_t i = 0; i < v.object().size(); ++i) {
    *out += pad;
    AppendJsonString(out, v.object()[i].first);
    *out += ": ";
    AppendJson(out, v.object()[i].second, indent + 2);
    *out += i + 1 < v.object().size() ? ",\n" : "\n";
  }
  *out += std::string(static_cast<size_t>(indent), ' ') + "}";
}

// A plain YAML scalar must not read back as a number, bool, null, or structure: allow only simple
// words that start with a letter and are not YAML 1.1/1.2 keywords.
bool YamlPlainSafe(std::string_view s) {
  if (s.empty()) return false;
  char c0 = s[0];
  if (!((c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z'))) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.' || c == '/';
    if (!ok) return false;
  }
  std::string lower;
  for (char c : s) lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  for (std::string_view kw : {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan", "inf"}) {
    if (lower == kw) return false;
  }
  return true;
}

void AppendYamlString(std::string* out, std::string_view s) {
  if (YamlPlainSafe(s)) {
    *out += s;
  } else {
    AppendJsonString(out, s);  // a JSON string is a valid double-quoted YAML scalar
  }
}

bool IsEmptyCollection(const Value& v) {
  return (v.is_array() && v.array().empty()) || (v.is_object() && v.object().empty());
}

void AppendYaml(std::string* out, const Value& v, int indent);

// A value after "key:" or "- ": scalars and empty collections inline, others on the following lines.
void AppendYamlNested(std::string* out, const Value& v, int indent, bool in_list_item) {
  if (v.is_object() && !v.object().empty()) {
    if (in_list_item) {
      // "- key: value" with the remaining keys aligned under the first.
      bool first = true;
      for (const auto& [k, child] : v.object()) {
        if (!first) *out += std::string(static_cast<size_t>(indent), ' ');
        first = false;
        AppendYamlString(out, k);
        *out += ":";
        AppendYamlNested(out, child, indent + 2, false);
      }
      return;
    }
    *out += "\n";
    AppendYaml(out, v, indent);
    return;
  }
  if (v.is_array() && !v.array().empty()) {
    if (in_list_item) {
      // "- - a" with the remaining items aligned under the first.
      for (size_t i = 0; i < v.array().size(); ++i) {
        if (i > 0) *out += std::string(static_cast<size_t>(indent), ' ');
        *out += "- ";
        AppendYamlNested(out, v.array()[i], indent + 2, true);
      }
      return;
    }
    // Sequences under a key sit at the key's own indentation (kubectl style).
    *out += "\n";
    AppendYaml(out, v, indent - 2);
    return;
  }
  if (!in_list_item) *out += " ";
  if (v.is_array()) {
    *out += "[]\n";
  } else if (v.is_object()) {
    *out += "{}\n";
  } else {
    AppendYaml(out, v, indent);
  }
}

void AppendYaml(std::string* out, const Value& v, int indent) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (AppendScalar(out, v.variant())) return void(*out += "\n");
  if (auto* s = std::get_if<std::string>(&v.variant())) {
    AppendYamlString(out, *s);
    *out += "\n";
    return;
  }
  if (IsEmptyCollection(v)) return void(*out += v.is_array() ? "[]\n" : "{}\n");
  if (v.is_array()) {
    for (const Value& item : v.array()) {
      *out += pad + "- ";
      AppendYamlNested(out, item, indent + 2, true);
    }
    return;
  }
  for (const auto& [k, child] : v.object()) {
    *out += pad;
    AppendYamlString(out, k);
    *out += ":";
    AppendYamlNested(out, child, indent + 2, false);
  }
}

}  // namespace

Value& Value::Set(std::string key, Value v) {
  auto& obj = std::get<Object>(v_);
  for (auto& [k, existing] : obj) {
    if (k == key) {
      existing = std::move(v);
      return *this;
    }
  }
  obj.emplace_back(std::move(key), std::move(v));
  return *this;
}

Value& Value::Push(Value v) {
  std::get<Array>(v_).push_back(std::move(v));
  return *this;
}

const Value* Value::Find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : object()) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string ToJson(const Value& v) {
  std::string out;
  AppendJson(&out, v, 0);
  out += "\n";
  return out;
}

std::string ToYaml(const Value& v) {
  std::string out;
  AppendYaml(&out, v, 0);
  return out;
}

size_t DisplayWidth(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(std::max(cells.size(), headers_.size()));
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  std::vector<size_t> width(headers_.size(), 0);
  for (size_t c = 0; c < headers_.size(); ++c) width[c] = DisplayWidth(headers_[c]);
  for (const auto& row : rows_) {
    for (size_t c = 0; c < width.size(); ++c) width[c] = std::max(width[c], DisplayWidth(row[c]));
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (size_t c = 0; c < width.size(); ++c) {
      l += cells[c];
      if (c + 1 < width.size()) l += std::string(width[c] - DisplayWidth(cells[c]) + 3, ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(headers_);
  for (const auto& row : rows_) line(row);
  return out;
}

Fields& Fields::Add(std::string label, std::string value) {
  rows_.emplace_back(std::move(label), std::move(value));
  return *this;
}

std::string Fields::Render() const {
  size_t width = 0;
  for (const auto& [label, value] : rows_) {
    if (!value.empty()) width = std::max(width, DisplayWidth(label));
  }
  std::string out;
  for (const auto& [label, value] : rows_) {
    if (value.empty()) {
      out += label + ":\n";
    } else {
      out += label + ":" + std::string(width - DisplayWidth(label) + 2, ' ') + value + "\n";
    }
  }
  return out;
}

StatusOr<Format> ParseFormat(std::string_view name) {
  if (name == "table") return Format::kTable;
  if (name == "json") return Format::kJson;
  if (name == "yaml") return Format::kYaml;
  return Err(EINVAL, "unknown output format '{}' (use table, json or yaml)", name);
}

void Printer::Emit(const Value& doc, const std::function<std::string()>& human) {
  switch (format_) {
    case Format::kJson: out_ << ToJson(doc); break;
    case Format::kYaml: out_ << ToYaml(doc); break;
    case Format::kTable: out_ << human(); break;
  }
  out_.flush();
}

}  // namespace weft::cli
