// A small read-only JSON view for tests, parsed by protobuf's JSON parser into google.protobuf.Value
// (strict RFC 8259; numbers become doubles, exact up to 2^53). Accessors throw std::runtime_error
// naming the path on a type mismatch or a missing key, so a wrong document fails the test clearly.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

namespace weft::cli::test {

class Json {
 public:
  // Throws when text is not valid JSON.
  static Json Parse(const std::string& text) {
    auto v = std::make_shared<google::protobuf::Value>();
    auto s = google::protobuf::util::JsonStringToMessage(text, v.get());
    if (!s.ok()) throw std::runtime_error("invalid JSON (" + s.ToString() + "):\n" + text);
    return Json(v, v.get(), "$");
  }

  bool has(std::string_view key) const {
    return v_->has_struct_value() && v_->struct_value().fields().count(std::string(key)) > 0;
  }
  Json operator[](std::string_view key) const {
    if (!v_->has_struct_value()) throw std::runtime_error(path_ + " is not an object");
    auto it = v_->struct_value().fields().find(std::string(key));
    if (it == v_->struct_value().fields().end()) throw std::runtime_error(path_ + " has no key '" + std::string(key) + "'");
    return Json(root_, &it->second, path_ + "." + std::string(key));
  }
  Json operator[](size_t i) const {
    if (!v_->has_list_value()) throw std::runtime_error(path_ + " is not an array");
    if (i >= static_cast<size_t>(v_->list_value().values_size())) throw std::runtime_error(path_ + ": index out of range");
    return Json(root_, &v_->list_value().values(static_cast<int>(i)), path_ + "[" + std::to_string(i) + "]");
  }
  size_t size() const {
    if (v_->has_list_value()) return static_cast<size_t>(v_->list_value().values_size());
    if (v_->has_struct_value()) return v_->struct_value().fields().size();
    throw std::runtime_error(path_ + " is neither an array nor an object");
  }
  bool is_number() const { return v_->kind_case() == google::protobuf::Value::kNumberValue; }
  bool is_string() const { return v_->kind_case() == google::protobuf::Value::kStringValue; }
  bool is_bool() const { return v_->kind_case() == google::protobuf::Value::kBoolValue; }
  double num() const {
    if (!is_number()) throw std::runtime_error(path_ + " is not a number");
    return v_->number_value();
  }
  std::string str() const {
    if (!is_string()) throw std::runtime_error(path_ + " is not a string");
    return v_->string_value();
  }
  bool boolean() const {
    if (!is_bool()) throw std::runtime_error(path_ + " is not a bool");
    return v_->bool_value();
  }

 private:
  Json(std::shared_ptr<google::protobuf::Value> root, const google::protobuf::Value* v, std::string path)
      : root_(std::move(root)), v_(v), path_(std::move(path)) {}
  std::shared_ptr<google::protobuf::Value> root_;  // keeps the tree alive
  const google::protobuf::Value* v_;
  std::string path_;
};

}  // namespace weft::cli::test
