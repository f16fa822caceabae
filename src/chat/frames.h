// Frames: Jinja2's symbol analysis, which decides where a name assigned in a frame starts out undefined.
#pragma once

#include <string>
#include <vector>

#include "chat/ast.h"

namespace glassbox::chat {

// Jinja2 compiles each frame (the template, a loop body, a macro...) with its names resolved up front. A
// name whose first mention in a frame is an unconditional assignment, and that no enclosing frame
// mentions, starts out undefined there, even when the render context holds a value of that name:
// `{% for m in messages %}{{ tools }}{% endfor %}{% set tools = [] %}` prints nothing for `tools`.
// Fills Node::frame_undefined / else_undefined for every nested frame and returns the template's own list.
std::vector<std::string> analyze_frames(NodeList& root);

}  // namespace glassbox::chat
