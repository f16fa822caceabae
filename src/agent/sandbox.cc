// Sandbox: bwrap argv construction and a start-up probe.
#include "agent/sandbox.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

namespace glassbox::agent {

Result<std::vector<std::string>> make_sandbox_prefix(const SandboxOptions& options) {
  std::string bwrap;
  for (const char* p : {"/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"}) {
    if (access(p, X_OK) == 0) {
      bwrap = p;
      break;
    }
  }
  if (bwrap.empty()) {
    return unimplemented(
        "sandbox: bubblewrap (bwrap) is not installed; install the 'bubblewrap' package "
        "(scripts/setup does) or run with --sandbox off");
  }
  // /tmp inside is a private tmpfs; the session's temp dir (which may lie under /tmp) is bound over
  // it.
  std::vector<std::string> argv = {
      bwrap,  "--ro-bind",        "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs",
      "/tmp", "--die-with-parent"};
  std::vector<std::string> writable = options.extra_writable;
  writable.insert(writable.begin(), options.workspace);
  for (const auto& w : writable) {
    std::error_code ec;
    if (!std::filesystem::exists(w, ec)) continue;
    argv.insert(argv.end(), {"--bind", w, w});
  }
  if (!options.allow_network) argv.push_back("--unshare-net");

  // Probe: start the sandbox once with /bin/true and report bwrap's own error if it cannot.
  std::string cmd;
  for (const auto& a : argv) cmd += "'" + a + "' ";
  cmd += "/bin/true 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return io_error("sandbox: cannot run bwrap");
  std::string out;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
  int rc = pclose(p);
  if (rc != 0) {
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return io_error(
        "sandbox: bwrap cannot start a sandbox here (" + (out.empty() ? "no message" : out) +
        "); user namespaces may be disabled. Fix that, or run with --sandbox off to run commands "
        "unsandboxed");
  }
  return argv;
}

}  // namespace glassbox::agent
