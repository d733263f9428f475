#include "server/meta/keys.h"

namespace weft::meta::keys {
namespace {

std::string WithId(char family, uint64_t id) {
  std::string k(1, family);
  AppendU64(&k, id);
  return k;
}

std::string WithTwoIds(char family, uint64_t a, uint64_t b) {
  std::string k = WithId(family, a);
  AppendU64(&k, b);
  return k;
}

std::string WithIdName(char family, uint64_t id, std::string_view name) {
  std::string k = WithId(family, id);
  k.append(name);
  return k;
}

}  // namespace

void AppendU64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>((v >> shift) & 0xff));
}

uint64_t DecodeU64(std::string_view s) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(s[static_cast<size_t>(i)]);
  return v;
}

std::string Inode(uint64_t ino) { return WithId(kInode, ino); }
std::string Dentry(uint64_t parent, std::string_view name) { return WithIdName(kDentry, parent, name); }
std::string DentryPrefix(uint64_t parent) { return WithId(kDentry, parent); }
std::string Xattr(uint64_t ino, std::string_view name) { return WithIdName(kXattr, ino, name); }
std::string XattrPrefix(uint64_t ino) { return WithId(kXattr, ino); }
std::string Volume(uint64_t id) { return WithId(kVolume, id); }
std::string VolumeName(std::string_view name) { return std::string(1, kVolumeName).append(name); }
std::string Tenant(std::string_view name) { return std::string(1, kTenant).append(name); }
std::string Session(uint64_t id) { return WithId(kSession, id); }
std::string Token(uint64_t id) { return WithId(kToken, id); }
std::string Handle(uint64_t session_id, uint64_t handle_id) { return WithTwoIds(kHandle, session_id, handle_id); }
std::string HandlePrefix(uint64_t session_id) { return WithId(kHandle, session_id); }
std::string Gc(uint64_t ino) { return WithId(kGc, ino); }
std::string Reply(uint64_t session_id, uint64_t request_id) { return WithTwoIds(kReply, session_id, request_id); }
std::string ReplyPrefix(uint64_t session_id) { return WithId(kReply, session_id); }
std::string Counter(std::string_view name) { return std::string(1, kCounter).append(name); }
std::string CounterReserved(std::string_view name) { return Counter(name).append(kReservedSuffix); }
std::string Prefix(char family) { return std::string(1, family); }

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& c = reinterpret_cast<unsigned char&>(end.back());
    if (c != 0xff) {
      ++c;
      return end;
    }
    end.pop_back();
  }
  return end;
}

}  // namespace weft::meta::keys
