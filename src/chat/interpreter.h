// Interpreter: renders a parsed template (ast.h) against a context of values.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "chat/ast.h"
#include "chat/value.h"

namespace glassbox::chat {

// Bounds that keep a hostile or broken template from hanging or exhausting memory.
struct RenderLimits {
  int max_call_depth = 64;                   // nested macro calls
  int64_t max_loop_iterations = 1'000'000;   // all loop iterations of one render together
  size_t max_output_bytes = 64u << 20;
};

// Renders `nodes` with `context` (a dict: its entries are the template's variables) above Jinja's globals
// (range, namespace, dict, raise_exception, strftime_now). `raise_exception(msg)` fails with exactly `msg`;
// other errors carry Python's message and end with " (line L, column C)". Not thread-safe per call: each
// render builds its own state, so concurrent renders of one tree are fine.
// `root_undefined` names start undefined even when the context has them (frames.h).
Result<std::string> render_nodes(const NodeList& nodes, const std::vector<std::string>& root_undefined,
                                 const Value& context, const RenderLimits& limits);

}  // namespace glassbox::chat
