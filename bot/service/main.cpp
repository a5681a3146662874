#include "bot/service/commands.hpp"

int main(int argc, char** argv) { return smrel::service::run_cli(argc, argv); }
