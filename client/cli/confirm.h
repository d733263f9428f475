// Confirmation of a destructive command. With --yes the answer is yes without asking; on a terminal
// the question is asked on stderr and "y" or "yes" (any case) confirms; without a terminal there is
// nobody to ask, so the command is refused (EINVAL: the caller must pass --yes).
//
// Thread-safety: one thread.
#pragma once

#include <iosfwd>
#include <string_view>

#include "common/status.h"

namespace weft::cli {

// True when confirmed, false when the user said no (or gave no answer).
// `action` words the refusal: "delete volume 'x'".
StatusOr<bool> Confirm(std::string_view question, std::string_view action, bool yes, bool terminal, std::istream& in,
                       std::ostream& err);

}  // namespace weft::cli
