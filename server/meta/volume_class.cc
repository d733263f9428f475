#include "server/meta/volume_class.h"

#include <charconv>

namespace weft::meta {
namespace {

VolumeClass Make(std::string name, uint64_t quota, uint64_t inodes, uint32_t stripe, uint32_t chunk, uint64_t bw,
                 uint64_t iops) {
  VolumeClass c;
  c.set_name(std::move(name));
  c.set_default_quota_bytes(quota);
  c.set_default_quota_inodes(inodes);
  c.set_replication(3);
  c.set_stripe_width(stripe);
  c.set_chunk_size(chunk);
  c.set_qos_bandwidth_bytes(bw);
  c.set_qos_iops(iops);
  return c;
}

constexpr uint64_t kKi = 1024, kMi = kKi * 1024, kGi = kMi * 1024, kTi = kGi * 1024;

}  // namespace

VolumeClasses BuiltinClasses() {
  VolumeClasses out;
  out["small"] = Make("small", 10 * kGi, 1'000'000, 4, 4 * kMi, 200 * kMi, 2000);
  out["medium"] = Make("medium", 100 * kGi, 10'000'000, 8, 4 * kMi, kGi, 10000);
  out["large"] = Make("large", kTi, 100'000'000, 16, 8 * kMi, 0, 0);
  return out;
}

StatusOr<uint64_t> ParseSize(std::string_view text) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p == text.data()) return Err(EINVAL, "bad size '{}'", text);
  std::string_view suffix(p, static_cast<size_t>(text.data() + text.size() - p));
  static constexpr std::string_view kUnits = "KMGTP";
  uint64_t mult = 1;
  if (!suffix.empty()) {
    size_t i = kUnits.find(suffix[0]);
    if (i == std::string_view::npos || suffix.size() > 2 || (suffix.size() == 2 && suffix[1] != 'i')) {
      return Err(EINVAL, "bad size suffix in '{}' (use K, M, G, T, P or Ki, Mi, Gi, Ti, Pi)", text);
    }
    uint64_t base = suffix.size() == 2 ? 1024 : 1000;
    for (size_t k = 0; k <= i; ++k) mult *= base;
  }
  if (v != 0 && mult > UINT64_MAX / v) return Err(EINVAL, "size '{}' overflows", text);
  return v * mult;
}

Status ApplyClassSpec(std::string_view spec, VolumeClasses* classes) {
  size_t colon = spec.find(':');
  std::string name(spec.substr(0, colon));
  if (name.empty()) return Err(EINVAL, "class spec '{}': missing the class name", spec);
  VolumeClass c;
  if (auto it = classes->find(name); it != classes->end()) {
    c = it->second;
  } else {
    c = classes->at(std::string(kDefaultClass));
    c.set_name(name);
  }
  std::string_view rest = colon == std::string_view::npos ? std::string_view() : spec.substr(colon + 1);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view kv = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) return Err(EINVAL, "class spec '{}': '{}' is not key=value", spec, kv);
    std::string_view key = kv.substr(0, eq);
    auto value = ParseSize(kv.substr(eq + 1));
    if (!value.ok()) return value.status().Annotate(fmt::format("class spec '{}'", spec));
    uint64_t v = *value;
    if (key == "quota") {
      c.set_default_quota_bytes(v);
    } else if (key == "inodes") {
      c.set_default_quota_inodes(v);
    } else if (key == "replication") {
      if (v < 1 || v > 3) return Err(EINVAL, "class spec '{}': replication must be 1..3", spec);
      c.set_replication(static_cast<uint32_t>(v));
    } else if (key == "stripe") {
      if (v < 1 || v > 1024) return Err(EINVAL, "class spec '{}': stripe must be 1..1024", spec);
      c.set_stripe_width(static_cast<uint32_t>(v));
    } else if (key == "chunk") {
      if (v < 4096 || v > (1u << 30) || (v & (v - 1)) != 0) {
        return Err(EINVAL, "class spec '{}': chunk must be a power of two in [4Ki, 1Gi]", spec);
      }
      c.set_chunk_size(static_cast<uint32_t>(v));
    } else if (key == "bandwidth") {
      c.set_qos_bandwidth_bytes(v);
    } else if (key == "iops") {
      c.set_qos_iops(v);
    } else {
      return Err(EINVAL, "class spec '{}': unknown key '{}'", spec, key);
    }
  }
  (*classes)[name] = std::move(c);
  return Status::Ok();
}

}  // namespace weft::meta
