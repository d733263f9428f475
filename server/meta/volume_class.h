// Volume classes ("t-shirt sizes"): named bundles of a volume's defaults — quota, replication, stripe
// width, chunk size and QoS. Built-in small/medium/large; a config spec overrides or adds classes:
//   small:quota=10Gi,inodes=1M,replication=3,stripe=4,chunk=4Mi,bandwidth=200Mi,iops=2000
// Sizes take K/M/G/T/P (powers of 1000) or Ki/Mi/Gi/Ti/Pi (powers of 1024) suffixes.
//
// Thread-safety: values and pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/status.h"
#include "weft/admin.pb.h"

namespace weft::meta {

using VolumeClasses = std::map<std::string, VolumeClass, std::less<>>;

// small:  10 GiB,   1M inodes, replication 3, stripe 4,  chunk 4 MiB, 200 MiB/s, 2000 IOPS
// medium: 100 GiB, 10M inodes, replication 3, stripe 8,  chunk 4 MiB,   1 GiB/s, 10000 IOPS
// large:  1 TiB,  100M inodes, replication 3, stripe 16, chunk 8 MiB, unlimited QoS
VolumeClasses BuiltinClasses();

// The class a volume gets when its request names none.
inline constexpr std::string_view kDefaultClass = "medium";

// Applies one "name:key=value,..." spec: keys override the named class (a new name starts from medium's
// values). EINVAL naming the bad part otherwise.
Status ApplyClassSpec(std::string_view spec, VolumeClasses* classes);

// "10Gi" -> 10737418240. EINVAL on a bad number or suffix.
StatusOr<uint64_t> ParseSize(std::string_view text);

}  // namespace weft::meta
