// glassbox agent: the coding agent, a Messages API client that runs tools in this repository
// (headless with -p, or a simple interactive prompt loop).
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "agent/agent.h"
#include "agent/checkpoint_store.h"
#include "agent/mcp/mcp_approvals.h"
#include "agent/mcp/mcp_config.h"
#include "agent/mcp/mcp_tool.h"
#include "agent/permissions.h"
#include "agent/sandbox.h"
#include "agent/session_store.h"
#include "agent/system_prompt.h"
#include "args.h"
#include "base/mapped_file.h"
#include "commands.h"

namespace glassbox::app {

int cmd_agent_eval(int argc, char** argv);  // cmd_agent_eval.cc

namespace {

using nlohmann::json;
namespace ag = glassbox::agent;

constexpr const char* kUsage =
    "usage: glassbox agent [-p TASK] [options]\n"
    "  -p, --print TASK          run one task headless and exit (no prompts: calls needing "
    "approval are denied)\n"
    "  --output-format F         text (default) | json (one result object) | stream-json (one "
    "event per line)\n"
    "  --max-turns N             stop after N model turns (subtype error_max_turns)\n"
    "  --max-tokens-budget N     stop once input+output tokens reach N\n"
    "  --permission-mode M       default | acceptEdits | plan | bypassPermissions\n"
    "  --dangerously-skip-permissions   same as --permission-mode bypassPermissions\n"
    "  --allowed-tools LIST      rules to allow without asking, e.g. \"Read,Edit(src/**),Bash(git "
    "status:*)\"\n"
    "  --disallowed-tools LIST   rules to deny\n"
    "  --base-url URL            Messages API server (default $ANTHROPIC_BASE_URL or "
    "http://127.0.0.1:8080)\n"
    "  --model NAME              model name sent to the server (default glassbox)\n"
    "  --max-tokens N            max_tokens per model turn (default 8192)\n"
    "  --append-system-prompt T  text added to the system prompt\n"
    "  -c, --continue            continue the latest session of this project\n"
    "  -r, --resume ID           resume the session ID\n"
    "  --sandbox on|off          run Bash under bubblewrap (default on: writes only in the workspace and a temp dir, no network); fails clearly if "
    "bwrap cannot start\n"
    "  --allow-network           with --sandbox on: let commands use the network\n"
    "  --request-timeout S       seconds of silence before a request is abandoned (default 600)\n"
    "  --max-retries N           retries on 429/5xx/connection errors (default 4)\n"
    "  --mcp-config FILE         MCP servers to start (besides $GLASSBOX_HOME/mcp.json, and the\n"
    "                            project's .mcp.json entries you approved)\n"
    "  --context-window N        tokens; compact the conversation near it (default: the server's\n"
    "                            max_input_tokens for the model, else 200000; 0 = never)\n"
    "  --rewind N                with --resume/--continue: restore the files and the conversation\n"
    "                            to before turn N (then run -p TASK if given)\n"
    "  agent eval TASKS_DIR ...  run an evaluation task set (glassbox agent eval --help)\n"
    "interactive commands: /rewind (restore files and conversation to an earlier turn),\n"
    "  /compact [focus] (summarise older turns now), /help\n"
    "environment: ANTHROPIC_API_KEY (sent as x-api-key), ANTHROPIC_AUTH_TOKEN (a Bearer token),\n"
    "  ANTHROPIC_BASE_URL, GLASSBOX_HOME (default ~/.glassbox)\n"
    "settings: .glassbox/settings.json and .claude/settings.json "
    "{\"permissions\":{\"allow\":[..],\"deny\":[..]}}\n";

std::atomic<bool> g_interrupted{false};

void on_sigint(int) {
  if (g_interrupted.exchange(true)) _exit(130);  // a second Ctrl-C ends at once
}

std::mutex g_out_mu;
// Events keep their fields in insertion order ("type" first), as Claude Code prints them.
using ojson = nlohmann::ordered_json;
void emit_line(const ojson& j) {
  std::lock_guard<std::mutex> lock(g_out_mu);
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

std::string short_input(const std::string& tool, const json& input) {
  for (const char* key : {"command", "file_path", "pattern", "path"}) {
    if (input.contains(key) && input[key].is_string()) {
      std::string v = input[key].get<std::string>();
      if (v.size() > 120) v = v.substr(0, 117) + "...";
      return tool + "(" + v + ")";
    }
  }
  return tool;
}

// Prints `text` with every line prefixed by `mark` (a diff-like view of an edit).
void print_marked(FILE* out, const std::string& text, const char* mark) {
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::fprintf(out, "%s%s\n", mark, text.substr(pos, end - pos).c_str());
    pos = end + 1;
  }
}

enum class Answer { kNo, kYes, kAlways };

// Interactive approval on the terminal: shows the exact command or the edit, reads y / a / N.
Answer ask_terminal(const ag::Tool& tool, const std::string& subject, const json& input) {
  FILE* tty = std::fopen("/dev/tty", "r+");
  if (!tty) return Answer::kNo;
  std::fprintf(tty, "\n%s wants to run:\n", tool.name().c_str());
  if (tool.name() == "Bash") {
    std::fprintf(tty, "  $ %s\n", subject.c_str());
  } else if (tool.name() == "Edit") {
    // Where the change lands: the line of the first match in the file as it is now.
    std::string where;
    std::string old_text = input.value("old_string", "");
    if (auto text = read_file_to_string(subject); text.ok() && !old_text.empty()) {
      size_t at = text->find(old_text);
      if (at != std::string::npos) {
        where = " at line " + std::to_string(1 + std::count(text->begin(), text->begin() +
                                                            static_cast<std::ptrdiff_t>(at), '\n'));
      }
    }
    std::fprintf(tty, "  %s%s%s\n", subject.c_str(), where.c_str(),
                 input.value("replace_all", false) ? " (every occurrence)" : "");
    print_marked(tty, input.value("old_string", ""), "- ");
    print_marked(tty, input.value("new_string", ""), "+ ");
  } else if (tool.name() == "Write") {
    std::string c = input.value("content", "");
    std::fprintf(tty, "  %s (%zu bytes)\n", subject.c_str(), c.size());
    print_marked(tty, c.substr(0, 4000), "+ ");
  } else {
    std::fprintf(tty, "  %s\n", input.dump().c_str());
  }
  std::fprintf(tty, "Allow? [y = yes, a = yes and don't ask again this session, N = no] ");
  std::fflush(tty);
  char line[64] = {0};
  Answer answer = Answer::kNo;
  if (std::fgets(line, sizeof(line), tty)) {
    if (line[0] == 'y' || line[0] == 'Y') answer = Answer::kYes;
    if (line[0] == 'a' || line[0] == 'A') answer = Answer::kAlways;
  }
  std::fclose(tty);
  return answer;
}

const char* subtype_of(ag::StopKind k) {
  switch (k) {
    case ag::StopKind::kEndTurn:
      return "success";
    case ag::StopKind::kMaxTurns:
      return "error_max_turns";
    default:
      return "error_during_execution";
  }
}

}  // namespace

int cmd_agent(int argc, char** argv) {
  if (argc >= 1 && std::string(argv[0]) == "eval") return cmd_agent_eval(argc - 1, argv + 1);
  auto args = Args::parse(
      argc, argv,
      {"-p|--print", "--output-format", "--max-turns", "--max-tokens-budget", "--permission-mode",
       "--allowed-tools|--allowedTools", "--disallowed-tools|--disallowedTools", "--base-url",
       "--model", "--max-tokens", "--append-system-prompt", "-r|--resume", "--sandbox",
       "--request-timeout", "--max-retries", "--mcp-config", "--context-window", "--rewind"},
      {"-h|--help", "-c|--continue", "--dangerously-skip-permissions", "--allow-network",
       "--verbose"});
  if (!args.ok()) {
    std::fprintf(stderr, "glassbox agent: %s\n%s", args.status().message().c_str(), kUsage);
    return 2;
  }
  if (args->has("-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  auto usage_error = [](const std::string& msg) {
    std::fprintf(stderr, "glassbox agent: %s\n", msg.c_str());
    return 2;
  };
  const bool headless = args->get("-p").has_value();
  std::string format = args->get_or("--output-format", "text");
  if (format != "text" && format != "json" && format != "stream-json") {
    return usage_error("--output-format '" + format + "': expected text, json or stream-json");
  }
  auto max_turns = args->get_int("--max-turns", 0);
  auto budget = args->get_int("--max-tokens-budget", 0);
  auto max_tokens = args->get_int("--max-tokens", 8192);
  auto timeout_s = args->get_double("--request-timeout", 600);
  auto max_retries = args->get_int("--max-retries", 4);
  auto context_window = args->get_int("--context-window", -1);
  auto rewind_turn = args->get_int("--rewind", 0);
  for (const Status& s : {max_turns.status(), budget.status(), max_tokens.status(),
                          timeout_s.status(), max_retries.status(), context_window.status(),
                          rewind_turn.status()}) {
    if (!s.ok()) return usage_error(s.message());
  }

  std::error_code ec;
  std::string cwd = std::filesystem::current_path(ec).string();
  std::string project_root = ag::find_project_root(cwd);

  bool mode_forced = args->has("--permission-mode") || args->has("--dangerously-skip-permissions");
  ag::PermissionMode mode = ag::PermissionMode::kDefault;
  if (args->has("--dangerously-skip-permissions")) mode = ag::PermissionMode::kBypassPermissions;
  if (auto m = args->get("--permission-mode")) {
    auto parsed = ag::parse_permission_mode(*m);
    if (!parsed.ok()) return usage_error(parsed.status().message());
    mode = *parsed;
  }
  ag::PermissionPolicy policy(mode, project_root);
  for (const char* rel : {"/.claude/settings.json", "/.claude/settings.local.json",
                          "/.glassbox/settings.json", "/.glassbox/settings.local.json"}) {
    Status s = policy.load_settings_file(project_root + rel, mode_forced);
    if (!s.ok()) return usage_error(s.message());
  }
  for (const auto& rule : ag::split_rule_list(args->get_or("--allowed-tools", ""))) {
    if (Status s = policy.add_allow(rule); !s.ok())
      return usage_error("--allowed-tools: " + s.message());
  }
  for (const auto& rule : ag::split_rule_list(args->get_or("--disallowed-tools", ""))) {
    if (Status s = policy.add_deny(rule); !s.ok())
      return usage_error("--disallowed-tools: " + s.message());
  }

  ag::ClientOptions copts;
  const char* env_url = std::getenv("ANTHROPIC_BASE_URL");
  copts.base_url =
      args->get_or("--base-url", env_url && *env_url ? env_url : "http://127.0.0.1:8080");
  if (const char* key = std::getenv("ANTHROPIC_API_KEY")) copts.api_key = key;
  if (const char* token = std::getenv("ANTHROPIC_AUTH_TOKEN")) copts.auth_token = token;
  copts.model = args->get_or("--model", "glassbox");
  copts.max_tokens = static_cast<int>(*max_tokens);
  copts.max_retries = static_cast<int>(*max_retries);
  copts.http.read_timeout_s = *timeout_s;
  auto client = ag::MessagesClient::create(copts);
  if (!client.ok()) return usage_error(client.status().message());

  ag::ToolContext ctx;
  ctx.project_root = project_root;
  ctx.cwd = cwd;
  ctx.interrupted = &g_interrupted;
  std::string sandbox = args->get_or("--sandbox", "on");
  if (sandbox != "on" && sandbox != "off")
    return usage_error("--sandbox '" + sandbox + "': expected on or off");
  std::string temp_dir;
  if (sandbox == "on") {
    char tmpl[] = "/tmp/glassbox-agent-XXXXXX";
    if (!mkdtemp(tmpl)) return usage_error("cannot create a temporary directory");
    temp_dir = tmpl;
    ctx.temp_dir = temp_dir;
    ag::SandboxOptions sopts;
    sopts.workspace = project_root;
    sopts.extra_writable = {temp_dir};
    sopts.allow_network = args->has("--allow-network");
    auto prefix = ag::make_sandbox_prefix(sopts);
    if (!prefix.ok()) {
      std::fprintf(stderr, "glassbox agent: %s\n", prefix.status().message().c_str());
      return 1;
    }
    ctx.sandbox_argv = *prefix;
  }

  // Session: new, --continue or --resume.
  std::string sessions_dir = ag::project_sessions_dir(ag::glassbox_home(), project_root);
  json messages = json::array();
  std::optional<ag::SessionStore> store;
  if (args->has("-c") || args->has("-r")) {
    std::string id;
    if (auto r = args->get("-r")) {
      id = *r;
    } else {
      auto latest = ag::SessionStore::latest(sessions_dir);
      if (!latest.ok()) return usage_error(latest.status().message());
      id = *latest;
    }
    auto opened = ag::SessionStore::open(sessions_dir, id, &messages);
    if (!opened.ok()) return usage_error(opened.status().message());
    store.emplace(std::move(*opened));
  } else {
    auto created = ag::SessionStore::create(sessions_dir);
    if (!created.ok()) {
      std::fprintf(stderr, "glassbox agent: %s\n", created.status().message().c_str());
      return 1;
    }
    store.emplace(std::move(*created));
  }
  const std::string session_id = store->id();

  // Checkpoints of every file the tools change, beside the transcript.
  auto checkpoints = ag::CheckpointStore::open(sessions_dir + "/" + session_id + ".checkpoints");
  if (!checkpoints.ok()) {
    std::fprintf(stderr, "glassbox agent: %s\n", checkpoints.status().message().c_str());
    return 1;
  }
  ctx.checkpoints = checkpoints->get();
  // Puts files and conversation back to before `turn`; prints what it did on stderr.
  auto do_rewind = [&](int turn) -> bool {
    auto r = (*checkpoints)->rewind_to(turn);
    if (!r.ok()) {
      std::fprintf(stderr, "glassbox agent: %s\n", r.status().message().c_str());
      return false;
    }
    for (const auto& f : r->restored) std::fprintf(stderr, "  restored %s\n", f.c_str());
    for (const auto& f : r->removed) std::fprintf(stderr, "  removed %s\n", f.c_str());
    for (const auto& f : r->failed) std::fprintf(stderr, "  could not restore %s\n", f.c_str());
    if (r->message_index <= messages.size()) {
      messages.erase(messages.begin() + static_cast<std::ptrdiff_t>(r->message_index),
                     messages.end());
      (void)store->append("rewind", {{"message_count", r->message_index}}, ctx.get_cwd());
    } else {
      std::fprintf(stderr, "  (the conversation was compacted since; it is kept as it is)\n");
    }
    std::fprintf(stderr, "glassbox agent: rewound to before turn %d (%zu file(s) restored, %zu "
                 "removed)\n", turn, r->restored.size(), r->removed.size());
    return r->failed.empty();
  };
  if (*rewind_turn > 0) {
    if (!args->has("-c") && !args->has("-r"))
      return usage_error("--rewind needs --resume ID or --continue");
    if (!do_rewind(static_cast<int>(*rewind_turn))) return 1;
    if (!headless) return 0;
  }

  auto tools = ag::make_builtin_tools();
  // MCP servers: the user's own ($GLASSBOX_HOME/mcp.json, --mcp-config) start as configured; a
  // project's .mcp.json starts a server only once the user approved that exact entry (on the
  // terminal; headless runs skip unapproved ones), since a cloned repository must not be able to
  // run programs outside the sandbox just by being opened.
  std::vector<std::string> user_files = {ag::glassbox_home() + "/mcp.json"};
  if (auto f = args->get("--mcp-config")) {
    if (!std::filesystem::exists(*f, ec)) return usage_error("--mcp-config: no file " + *f);
    user_files.push_back(*f);
  }
  auto user_servers = ag::mcp::load_mcp_configs(user_files);
  if (!user_servers.ok()) return usage_error(user_servers.status().message());
  auto project_servers = ag::mcp::load_mcp_configs({project_root + "/.mcp.json"});
  if (!project_servers.ok()) return usage_error(project_servers.status().message());
  std::vector<ag::mcp::McpServerConfig> mcp_configs_v = *user_servers;
  ag::mcp::McpApprovals approvals(ag::glassbox_home());
  for (const auto& cfg : *project_servers) {
    bool overridden = false;
    for (const auto& u : *user_servers) overridden |= u.name == cfg.name;
    if (overridden) continue;
    auto ok = approvals.approved(project_root, cfg);
    if (!ok.ok()) return usage_error(ok.status().message());
    bool start = *ok;
    if (!start && !headless && isatty(STDIN_FILENO)) {
      std::string what = cfg.kind == ag::mcp::McpServerConfig::Kind::kHttp ? cfg.url : cfg.command;
      for (const auto& a : cfg.args) what += " " + a;
      if (FILE* tty = std::fopen("/dev/tty", "r+")) {
        std::fprintf(tty,
                     "\nThis project's .mcp.json wants to start the MCP server '%s':\n  %s\n"
                     "Start it? [y = this time, a = always for this entry, N = no] ",
                     cfg.name.c_str(), what.c_str());
        std::fflush(tty);
        char line[64] = {0};
        if (std::fgets(line, sizeof(line), tty)) {
          start = line[0] == 'y' || line[0] == 'Y' || line[0] == 'a' || line[0] == 'A';
          if (line[0] == 'a' || line[0] == 'A') {
            Status saved = approvals.approve(project_root, cfg);
            if (!saved.ok()) std::fprintf(stderr, "glassbox agent: %s\n", saved.message().c_str());
          }
        }
        std::fclose(tty);
      }
    }
    if (start) {
      mcp_configs_v.push_back(cfg);
    } else {
      std::fprintf(stderr,
                   "glassbox agent: MCP server '%s' from %s/.mcp.json is not approved, so it was not "
                   "started: approve it once in an interactive session, or pass --mcp-config %s/.mcp.json\n",
                   cfg.name.c_str(), project_root.c_str(), project_root.c_str());
    }
  }
  const std::vector<ag::mcp::McpServerConfig>* mcp_configs = &mcp_configs_v;
  ag::mcp::McpConnections mcp = ag::mcp::connect_mcp_servers(*mcp_configs, project_root);
  for (const auto& e : mcp.errors) {
    std::fprintf(stderr, "glassbox agent: %s (its tools are not available)\n", e.c_str());
  }
  ojson mcp_status = ojson::array();
  for (const auto& c : mcp.clients) {
    for (auto& t : ag::mcp::make_mcp_tools(c.get())) tools.push_back(std::move(t));
    mcp_status.push_back({{"name", c->server_name()}, {"status", "connected"}});
  }
  for (const auto& cfg : *mcp_configs) {
    bool connected = false;
    for (const auto& c : mcp.clients) connected |= c->server_name() == cfg.name;
    if (!connected) mcp_status.push_back({{"name", cfg.name}, {"status", "failed"}});
  }
  std::vector<std::string> tool_names;
  for (const auto& t : tools) tool_names.push_back(t->name());
  ag::AgentOptions aopts;
  aopts.max_turns = static_cast<int>(*max_turns);
  aopts.token_budget = *budget;
  aopts.system_prompt = ag::build_system_prompt(project_root, cwd, tool_names);
  if (auto extra = args->get("--append-system-prompt")) aopts.system_prompt += "\n" + *extra + "\n";
  if (*context_window >= 0) {
    aopts.context_window = *context_window;
  } else {
    auto w = (*client)->model_context_window();
    aopts.context_window = w.ok() ? *w : 200000;
  }

  ag::AgentEvents events;
  bool text_mode = format == "text";
  bool at_line_start = true;
  if (text_mode) {
    events.on_text = [&](std::string_view t) {
      std::lock_guard<std::mutex> lock(g_out_mu);
      std::fwrite(t.data(), 1, t.size(), stdout);
      std::fflush(stdout);
      at_line_start = !t.empty() && t.back() == '\n';
    };
    events.on_tool_start = [&](const std::string& name, const json& input) {
      std::lock_guard<std::mutex> lock(g_out_mu);
      if (!at_line_start) std::fputc('\n', stdout), at_line_start = true;
      std::fflush(stdout);
      std::fprintf(stderr, "* %s\n", short_input(name, input).c_str());
      if (name == "TodoWrite" && input.contains("todos") && input["todos"].is_array()) {
        for (const auto& t : input["todos"]) {
          if (!t.is_object()) continue;
          std::string status = t.value("status", "");
          const char* mark = status == "completed"     ? "[x]"
                             : status == "in_progress" ? "[~]"
                                                       : "[ ]";
          std::fprintf(stderr, "    %s %s\n", mark, t.value("content", std::string()).c_str());
        }
      }
    };
    events.on_tool_results = [&](const json& msg) {
      // A short preview of each result: its first lines, with a count of the rest.
      for (const auto& r : msg["content"]) {
        std::string c = r["content"].is_string() ? r["content"].get<std::string>() : "";
        const char* mark = r.value("is_error", false) ? "  ! " : "  | ";
        size_t pos = 0, shown = 0, total = 0;
        for (size_t i = 0; i < c.size(); ++i) total += c[i] == '\n';
        if (!c.empty() && c.back() != '\n') ++total;
        while (pos < c.size() && shown < 4) {
          size_t end = c.find('\n', pos);
          if (end == std::string::npos) end = c.size();
          std::fprintf(stderr, "%s%s\n", mark,
                       c.substr(pos, std::min<size_t>(end - pos, 160)).c_str());
          pos = end + 1;
          ++shown;
        }
        if (total > shown) std::fprintf(stderr, "%s... (%zu more lines)\n", mark, total - shown);
      }
    };
  } else if (format == "stream-json") {
    events.on_assistant_message = [&](const json& m) {
      emit_line({{"type", "assistant"},
                 {"message", ojson(m)},
                 {"parent_tool_use_id", nullptr},
                 {"session_id", session_id}});
    };
    events.on_tool_results = [&](const json& m) {
      emit_line({{"type", "user"},
                 {"message", ojson(m)},
                 {"parent_tool_use_id", nullptr},
                 {"session_id", session_id}});
    };
  }
  events.on_notice = [&](const std::string& n) {
    if (format == "stream-json") {
      emit_line(
          {{"type", "system"}, {"subtype", "notice"}, {"message", n}, {"session_id", session_id}});
    } else {
      std::fprintf(stderr, "glassbox agent: %s\n", n.c_str());
    }
  };
  events.on_compact = [&](const ag::CompactResult& c) {
    if (format == "stream-json") {
      emit_line({{"type", "system"},
                 {"subtype", "compact_boundary"},
                 {"messages_before", c.messages_before},
                 {"messages_after", c.messages_after},
                 {"session_id", session_id}});
    } else {
      std::fprintf(stderr, "glassbox agent: compacted the conversation: %zu messages -> %zu\n",
                   c.messages_before, c.messages_after);
    }
  };
  ag::ApproveFn approve;
  if (!headless && isatty(STDIN_FILENO)) {
    // "a" adds a session rule: this exact command for Bash, every edit for Edit and Write.
    approve = [&policy](const ag::Tool& tool, const std::string& subject, const json& input) {
      Answer a = ask_terminal(tool, subject, input);
      if (a == Answer::kAlways) {
        std::string rule = tool.name() == "Bash" ? "Bash(" + subject + ")"
                           : tool.edits_files()  ? "Edit"
                                                 : tool.name();
        (void)policy.add_allow(rule);
      }
      return a != Answer::kNo;
    };
  }

  ag::Agent agent(client->get(), std::move(tools), &policy, &ctx, &*store, aopts, events, approve);

  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);

  if (format == "stream-json") {
    emit_line({{"type", "system"},
               {"subtype", "init"},
               {"session_id", session_id},
               {"cwd", cwd},
               {"tools", tool_names},
               {"model", copts.model},
               {"permissionMode", ag::permission_mode_name(policy.mode())},
               {"mcp_servers", mcp_status},
               {"apiKeySource", copts.api_key.empty() ? "none" : "ANTHROPIC_API_KEY"}});
  }

  auto run_one = [&](const std::string& prompt) {
    auto t0 = std::chrono::steady_clock::now();
    ag::RunResult r = agent.run(prompt, &messages);
    int64_t ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    bool is_error = r.stop != ag::StopKind::kEndTurn;
    if (format == "text") {
      if (!at_line_start) std::fputc('\n', stdout), at_line_start = true;
      std::fflush(stdout);
      if (is_error) std::fprintf(stderr, "glassbox agent: %s\n", r.result.c_str());
    } else {
      ojson denials = ojson::array();
      for (const auto& d : r.permission_denials) {
        denials.push_back({{"tool_name", d.tool_name},
                           {"tool_use_id", d.tool_use_id},
                           {"tool_input", ojson::parse(d.input_json, nullptr, false)}});
      }
      emit_line({{"type", "result"},
                 {"subtype", subtype_of(r.stop)},
                 {"is_error", is_error},
                 {"duration_ms", ms},
                 {"duration_api_ms", r.api_ms},
                 {"num_turns", r.num_turns},
                 {"result", r.result},
                 {"session_id", session_id},
                 {"total_cost_usd", 0},
                 {"usage",
                  {{"input_tokens", r.usage.input_tokens},
                   {"output_tokens", r.usage.output_tokens},
                   {"cache_read_input_tokens", r.usage.cache_read_input_tokens},
                   {"cache_creation_input_tokens", r.usage.cache_creation_input_tokens}}},
                 {"permission_denials", denials},
                 {"permission_mode", ag::permission_mode_name(policy.mode())}});
    }
    return r;
  };

  int rc = 0;
  if (headless) {
    std::string prompt = *args->get("-p");
    if (prompt.empty() && !isatty(STDIN_FILENO)) {
      prompt.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    }
    if (prompt.empty()) return usage_error("-p needs a task (or the task on standard input)");
    ag::RunResult r = run_one(prompt);
    rc = r.stop == ag::StopKind::kEndTurn ? 0 : r.stop == ag::StopKind::kInterrupted ? 130 : 1;
  } else {
    std::fprintf(stderr, "glassbox agent: session %s (%s mode). Type a task; Ctrl-D to quit.\n",
                 session_id.c_str(), ag::permission_mode_name(policy.mode()));
    std::string line;
    while (true) {
      std::fprintf(stderr, "> ");
      std::fflush(stderr);
      if (!std::getline(std::cin, line)) break;
      if (line.empty()) continue;
      g_interrupted = false;
      if (line == "/help") {
        std::fprintf(stderr,
                     "/rewind            restore files and conversation to before an earlier turn\n"
                     "/compact [focus]   summarise the older turns now\n"
                     "Ctrl-C stops the current task; Ctrl-D quits.\n");
        continue;
      }
      if (line == "/rewind") {
        auto turns = (*checkpoints)->turns();
        if (turns.empty()) {
          std::fprintf(stderr, "nothing to rewind yet\n");
          continue;
        }
        for (const auto& t : turns) {
          std::string p = t.prompt.substr(0, 70);
          for (char& ch : p) if (ch == '\n') ch = ' ';
          std::fprintf(stderr, "  %d. %s%s  (%zu file(s) changed)\n", t.turn, p.c_str(),
                       t.prompt.size() > 70 ? "..." : "", t.files.size());
        }
        std::fprintf(stderr, "Rewind to before which turn? [number, empty = cancel] ");
        std::fflush(stderr);
        std::string answer;
        if (!std::getline(std::cin, answer)) break;
        if (answer.empty()) continue;
        int turn = std::atoi(answer.c_str());
        if (turn <= 0) {
          std::fprintf(stderr, "'%s' is not a turn number\n", answer.c_str());
          continue;
        }
        do_rewind(turn);
        continue;
      }
      if (line == "/compact" || line.rfind("/compact ", 0) == 0) {
        auto c = agent.compact(&messages, line.size() > 9 ? line.substr(9) : "");
        if (!c.ok()) std::fprintf(stderr, "glassbox agent: %s\n", c.status().message().c_str());
        continue;
      }
      run_one(line);
    }
  }
  if (!temp_dir.empty()) std::filesystem::remove_all(temp_dir, ec);
  return rc;
}

}  // namespace glassbox::app
