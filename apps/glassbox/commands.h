// The subcommand table: each subcommand is one file (cmd_<name>.cc) plus one line in main.cc.
#pragma once

namespace glassbox::app {

// Each returns the process exit code: 0 success, 1 failure (message already on stderr), 2 usage error.
int cmd_inspect(int argc, char** argv);
int cmd_tokenize(int argc, char** argv);
int cmd_run(int argc, char** argv);
int cmd_logits(int argc, char** argv);
int cmd_synth(int argc, char** argv);
int cmd_bench(int argc, char** argv);
int cmd_tokenizer(int argc, char** argv);
int cmd_data(int argc, char** argv);
int cmd_train(int argc, char** argv);
int cmd_scale(int argc, char** argv);
int cmd_agent(int argc, char** argv);
int cmd_serve(int argc, char** argv);
int cmd_keys(int argc, char** argv);
int cmd_usage(int argc, char** argv);
int cmd_chat(int argc, char** argv);

}  // namespace glassbox::app
