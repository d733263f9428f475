// Each noun of weftctl adds its verbs to the root command; one file per noun.
#pragma once

#include <CLI/CLI.hpp>

#include "client/cli/cli.h"

namespace weft::cli {

void AddTenantCommands(CLI::App* root, Cli& cli);
void AddTenantTokenCommands(CLI::App* tenant, Cli& cli);  // tenant token issue|revoke|list
void AddVolumeCommands(CLI::App* root, Cli& cli);
void AddClassCommands(CLI::App* root, Cli& cli);
void AddClusterCommands(CLI::App* root, Cli& cli);
void AddServerCommands(CLI::App* root, Cli& cli);

}  // namespace weft::cli
