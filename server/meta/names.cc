#include "server/meta/names.h"

namespace weft::meta {
namespace {

Status CheckChars(std::string_view name) {
  if (name.empty()) return Err(EINVAL, "empty name");
  if (name.size() > kNameMax) return Err(ENAMETOOLONG, "name of {} bytes (max {})", name.size(), kNameMax);
  for (char c : name) {
    if (c == '/' || c == '\0') return Err(EINVAL, "name contains '/' or NUL");
  }
  return Status::Ok();
}

}  // namespace

Status CheckEntryName(std::string_view name) {
  RETURN_IF_ERROR(CheckChars(name));
  if (name == "." || name == "..") return Err(EINVAL, "'{}' is not allowed here", name);
  return Status::Ok();
}

Status CheckLookupName(std::string_view name) { return CheckChars(name); }

Status CheckAdminName(std::string_view what, std::string_view name) {
  if (name.empty() || name.size() > 63) return Err(EINVAL, "{} name must be 1..63 characters", what);
  if (name[0] == '.' || name[0] == '-') return Err(EINVAL, "{} name '{}' must not start with '.' or '-'", what, name);
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    if (!ok) return Err(EINVAL, "{} name '{}' may contain only letters, digits, '.', '_' and '-'", what, name);
  }
  return Status::Ok();
}

}  // namespace weft::meta
