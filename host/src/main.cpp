// The switchboard executable: hands the command line to the CLI.
#include "switchboard/host/cli.hpp"

int main(int argc, char** argv) { return switchboard::host::run_cli(argc, argv); }
