// The metadata key layout (docs/meta-keys.md). Every key starts with one prefix byte; integers are
// 8-byte big-endian so that byte order is numeric order and prefix scans come out sorted. The prefix
// "C" belongs to cluster membership (server/meta/cluster) and is never touched here.
//
// Persistent format: prefixes and encodings never change.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace weft::meta::keys {

inline constexpr char kInode = 'I';       // I<ino>                    -> rec::Inode
inline constexpr char kDentry = 'D';      // D<parent><name>           -> rec::Dentry
inline constexpr char kXattr = 'X';       // X<ino><name>              -> raw value bytes
inline constexpr char kVolume = 'V';      // V<volume id>              -> rec::Volume
inline constexpr char kVolumeName = 'v';  // v<name>                   -> volume id (8 bytes)
inline constexpr char kTenant = 'T';      // T<name>                   -> rec::Tenant
inline constexpr char kSession = 'S';     // S<session id>             -> rec::Session
inline constexpr char kHandle = 'H';      // H<session id><handle id>  -> rec::Handle
inline constexpr char kGc = 'G';          // G<ino>                    -> rec::GcItem
inline constexpr char kReply = 'R';       // R<session id><request id> -> rec::Reply
inline constexpr char kCounter = 'M';     // M<name>                   -> last id handed out (8 bytes)
inline constexpr char kToken = 'A';       // A<token id>               -> rec::Token (id 0: the admin token)

// Counter names (M<name>): ids are handed out as counter + 1, so 0 is never a valid id.
inline constexpr std::string_view kInoCounter = "ino";
inline constexpr std::string_view kVolumeCounter = "volume";
inline constexpr std::string_view kSessionCounter = "session";
inline constexpr std::string_view kHandleCounter = "handle";
inline constexpr std::string_view kTokenCounter = "token";
inline constexpr std::string_view kCounters[] = {kInoCounter, kVolumeCounter, kSessionCounter, kHandleCounter,
                                                 kTokenCounter};
// M<name>.reserved: ids up to this value may have been handed out (synced before any of them was).
// Replies that are not synced may be lost in a power failure; an id they handed out must never be
// handed out again (chunk data and capabilities carry inode ids), so weft-meta's start moves each
// counter up to its reservation.
inline constexpr std::string_view kReservedSuffix = ".reserved";

void AppendU64(std::string* out, uint64_t v);
// REQUIRES: s.size() >= 8. Decodes the first 8 bytes.
uint64_t DecodeU64(std::string_view s);

std::string Inode(uint64_t ino);
std::string Dentry(uint64_t parent, std::string_view name);
std::string DentryPrefix(uint64_t parent);
std::string Xattr(uint64_t ino, std::string_view name);
std::string XattrPrefix(uint64_t ino);
std::string Volume(uint64_t id);
std::string VolumeName(std::string_view name);
std::string Tenant(std::string_view name);
std::string Session(uint64_t id);
std::string Handle(uint64_t session_id, uint64_t handle_id);
std::string HandlePrefix(uint64_t session_id);
std::string Gc(uint64_t ino);
std::string Reply(uint64_t session_id, uint64_t request_id);
std::string ReplyPrefix(uint64_t session_id);
std::string Counter(std::string_view name);
std::string CounterReserved(std::string_view name);
std::string Token(uint64_t id);

// The one-byte prefix of a record family ("I", "D", ...).
std::string Prefix(char family);
// The smallest key greater than every key starting with prefix ("" when none exists).
std::string PrefixEnd(std::string_view prefix);

}  // namespace weft::meta::keys
