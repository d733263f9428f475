#include "server/chunk/chunk_meta.h"

#include <cstring>

namespace weft::chunk {
namespace {

// Format 1 lacked chain_id (read as 0: the chain is unknown); format 2 appends it to the fixed part.
constexpr uint8_t kMetaFormat1 = 1;
constexpr uint8_t kMetaFormat = 2;

void PutLe32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
}
void PutLe64(std::string& s, uint64_t v) {
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
}
uint32_t GetLe32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}
uint64_t GetLe64(const char* p) { return uint64_t(GetLe32(p)) | (uint64_t(GetLe32(p + 4)) << 32); }
void PutBe(std::string& s, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) s.push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t GetBe(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

}  // namespace

std::string ChunkKey::ToString() const { return fmt::format("{}/{}", ino, index); }

uint64_t ChunkKeyMix(const ChunkKey& k) {
  // splitmix64 finalizer over both fields: stable across builds and platforms.
  uint64_t z = k.ino * 0x9E3779B97F4A7C15ull + k.index + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

size_t ChunkKeyHash::operator()(const ChunkKey& k) const { return static_cast<size_t>(ChunkKeyMix(k)); }

uint32_t ZeroBlockCrc() {
  static const uint32_t crc = [] {
    std::string zeros(kCrcBlock, '\0');
    return Crc32c(zeros);
  }();
  return crc;
}

std::string EncodeChunkKey(const ChunkKey& k) {
  std::string s = "c";
  PutBe(s, k.ino, 8);
  PutBe(s, k.index, 4);
  return s;
}

StatusOr<ChunkKey> DecodeChunkKey(std::string_view s) {
  if (s.size() != 13 || s[0] != 'c') return Err(EINVAL, "not a chunk key ({} bytes)", s.size());
  return ChunkKey{GetBe(s.data() + 1, 8), static_cast<uint32_t>(GetBe(s.data() + 9, 4))};
}

std::string ChunkKeyPrefix(uint64_t ino) {
  std::string s = "c";
  PutBe(s, ino, 8);
  return s;
}

std::string EncodeChunkMeta(const ChunkMeta& m) {
  std::string s;
  s.reserve(1 + 8 + 8 + 4 + 4 + 4 + 4 + 4 * m.crcs.size() + 4);
  s.push_back(static_cast<char>(kMetaFormat));
  PutLe64(s, m.version);
  PutLe64(s, m.committed);
  PutLe32(s, m.length);
  PutLe32(s, m.chunk_size);
  PutLe32(s, m.chain_id);
  PutLe32(s, static_cast<uint32_t>(m.crcs.size()));
  for (uint32_t c : m.crcs) PutLe32(s, c);
  PutLe32(s, Crc32c(s));
  return s;
}

StatusOr<ChunkMeta> DecodeChunkMeta(std::string_view s) {
  if (s.empty()) return Err(EBADMSG, "chunk record is empty");
  const uint8_t format = static_cast<uint8_t>(s[0]);
  if (format != kMetaFormat && format != kMetaFormat1) {
    return Err(EBADMSG, "chunk record format {} is unknown", format);
  }
  const size_t kFixed = format == kMetaFormat1 ? 1 + 8 + 8 + 4 + 4 + 4 : 1 + 8 + 8 + 4 + 4 + 4 + 4;
  if (s.size() < kFixed + 4) return Err(EBADMSG, "chunk record of {} bytes is too short", s.size());
  const char* p = s.data();
  uint32_t n = GetLe32(p + kFixed - 4);
  if (s.size() != kFixed + 4ull * n + 4) return Err(EBADMSG, "chunk record size {} does not match {} crcs", s.size(), n);
  if (Crc32c(p, s.size() - 4) != GetLe32(p + s.size() - 4)) return Err(EBADMSG, "chunk record checksum mismatch");
  ChunkMeta m;
  m.version = GetLe64(p + 1);
  m.committed = GetLe64(p + 9);
  m.length = GetLe32(p + 17);
  m.chunk_size = GetLe32(p + 21);
  if (format != kMetaFormat1) m.chain_id = GetLe32(p + 25);
  if (BlockCount(m.length) != n) return Err(EBADMSG, "chunk record: {} crcs for length {}", n, m.length);
  m.crcs.resize(n);
  for (uint32_t i = 0; i < n; ++i) m.crcs[i] = GetLe32(p + kFixed + 4ull * i);
  return m;
}

}  // namespace weft::chunk
