// Name validation, the one place that decides what a directory entry, tenant or volume may be called.
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "common/status.h"

namespace weft::meta {

inline constexpr size_t kNameMax = 255;        // bytes in one directory entry name
inline constexpr size_t kSymlinkMax = 4095;    // bytes in a symlink target
inline constexpr size_t kXattrNameMax = 255;   // bytes in an xattr name
inline constexpr size_t kXattrValueMax = 65536;

// An entry name for create/mkdir/unlink/rmdir/rename/link/symlink: ENAMETOOLONG over 255 bytes;
// EINVAL when empty, ".", "..", or containing '/' or NUL.
Status CheckEntryName(std::string_view name);
// A name for lookup: as CheckEntryName, but "." and ".." are allowed.
Status CheckLookupName(std::string_view name);
// A tenant or volume name: 1..63 of [A-Za-z0-9._-], not starting with '.' or '-'. EINVAL otherwise.
Status CheckAdminName(std::string_view what, std::string_view name);

}  // namespace weft::meta
