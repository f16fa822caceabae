// Sandbox: the bubblewrap (bwrap) command prefix the Bash tool runs commands under: the whole
// filesystem read-only except the workspace and a private /tmp, and no network unless allowed.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace glassbox::agent {

struct SandboxOptions {
  std::string workspace;                    // absolute; writable inside the sandbox
  std::vector<std::string> extra_writable;  // more absolute paths to keep writable
  bool allow_network = false;
};

// The argv prefix, after checking that bwrap exists and can start a sandbox on this machine. An
// error says why (missing package, user namespaces disabled) and how to run without it (--sandbox
// off); there is never a silent fallback to running unsandboxed.
Result<std::vector<std::string>> make_sandbox_prefix(const SandboxOptions& options);

}  // namespace glassbox::agent
