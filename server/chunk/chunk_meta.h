// A chunk's identity and its per-chunk metadata record, with the record's persistent encoding.
//
// Chunk (ino, index) holds bytes [0, length) of that piece of the inode; its data is checksummed in
// kCrcBlock (4 KiB) blocks aligned to chunk offsets. crcs[i] is the CRC32C of the 4096 bytes of block i as
// the chunk reads them, i.e. zero-extended past `length` (so a hole's CRC is ZeroBlockCrc(), and the last
// block's CRC does not change when the chunk grows). crcs.size() == BlockCount(length).
//
// version counts the updates (writes, truncates) applied to the chunk; committed is the highest version
// the whole chain has acknowledged. The copy is clean when version == committed; reads from a dirty copy
// are refused except at the chain's tail (docs/data-protocol.md).
//
// Persistent format (docs/chunk-format.md): never renumber or reorder.
//
// Thread-safety: values; pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crc32c.h"
#include "common/status.h"

namespace weft::chunk {

struct ChunkKey {
  uint64_t ino = 0;
  uint32_t index = 0;
  auto operator<=>(const ChunkKey&) const = default;
  std::string ToString() const;  // "ino/index", for logs
};

struct ChunkKeyHash {
  size_t operator()(const ChunkKey& k) const;
};

// A stable 64-bit mix of the key (placement on data dirs; never change: it is persistent placement).
uint64_t ChunkKeyMix(const ChunkKey& k);

struct ChunkMeta {
  uint64_t version = 0;
  uint64_t committed = 0;
  uint32_t length = 0;
  uint32_t chunk_size = 0;     // the layout's chunk size the last update carried (0 = unknown)
  uint32_t chain_id = 0;       // the chain the chunk belongs to (0 = unknown: written before format 2)
  std::vector<uint32_t> crcs;  // one per 4 KiB block, zero-extended

  bool clean() const { return version == committed; }
  bool operator==(const ChunkMeta&) const = default;
};

inline constexpr uint32_t BlockCount(uint64_t length) {
  return static_cast<uint32_t>((length + kCrcBlock - 1) / kCrcBlock);
}
inline constexpr uint64_t AlignDown(uint64_t v) { return v / kCrcBlock * kCrcBlock; }
inline constexpr uint64_t AlignUp(uint64_t v) { return (v + kCrcBlock - 1) / kCrcBlock * kCrcBlock; }

// CRC32C of 4096 zero bytes.
uint32_t ZeroBlockCrc();

// Key: 'c' + big-endian ino + big-endian index (so one inode's chunks sort together, by index).
std::string EncodeChunkKey(const ChunkKey& k);
// EINVAL when the bytes are not a chunk key.
StatusOr<ChunkKey> DecodeChunkKey(std::string_view s);
// The key prefix of every chunk of ino.
std::string ChunkKeyPrefix(uint64_t ino);

// Value: u8 format (2), u64 version, u64 committed, u32 length, u32 chunk_size, u32 chain_id, u32 n,
// n x u32 crc, u32 CRC32C of all preceding bytes. Little-endian. Format 1 (no chain_id) still decodes,
// with chain_id 0.
std::string EncodeChunkMeta(const ChunkMeta& m);
// EBADMSG when the record is damaged or of an unknown format.
StatusOr<ChunkMeta> DecodeChunkMeta(std::string_view s);

}  // namespace weft::chunk
