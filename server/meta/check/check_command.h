// `weft-meta check --data DIR`: opens the store of a stopped weft-meta, runs the consistency checker,
// prints each violation on its own line and a summary. Exit 0 when consistent, 1 on violations, 2 when
// the store cannot be opened or read.
#pragma once

#include <string>

namespace weft::meta {

int RunCheck(const std::string& data_dir);

}  // namespace weft::meta
