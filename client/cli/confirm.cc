#include "client/cli/confirm.h"

#include <istream>
#include <ostream>
#include <string>

namespace weft::cli {

StatusOr<bool> Confirm(std::string_view question, std::string_view action, bool yes, bool terminal, std::istream& in,
                       std::ostream& err) {
  if (yes) return true;
  if (!terminal) return Err(EINVAL, "refusing to {} without --yes: stdin is not a terminal to confirm on", action);
  err << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(in, answer)) {
    err << "\n";
    return false;
  }
  for (char& c : answer) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!answer.empty() && (answer.back() == ' ' || answer.back() == '\r')) answer.pop_back();
  while (!answer.empty() && answer.front() == ' ') answer.erase(answer.begin());
  return answer == "y" || answer == "yes";
}

}  // namespace weft::cli
