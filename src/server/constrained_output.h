// Constrained output for the routes: JSON Schema constraints for response_format / forced tool_choice, the
// schema of "call one of these tools", and reading the constrained text back as a tool call.
#pragma once

#include <memory>
#include <string>

#include "engine/token_constraint.h"
#include "server/server_state.h"

namespace glassbox::server {

// A constraint for `schema`; an uncompilable schema throws ApiError 400 "<where>: schema at /...: ...".
std::shared_ptr<engine::TokenConstraint> schema_constraint(ServerState& state, const Json& schema,
                                                           const std::string& where);
// A constraint for any JSON object (response_format json_object).
std::shared_ptr<engine::TokenConstraint> any_object_constraint(ServerState& state);

// The parameters schema of an OpenAI-style tool {type:"function", function:{name, parameters}}; a tool
// without parameters takes any object.
const Json& tool_parameters(const Json& tool);
// The tool named `name` in an OpenAI-style tools array, or nullptr.
const Json* find_tool(const Json& tools, const std::string& name);
// {"anyOf": [{"type":"object","properties":{"name":{"const":NAME}, ARGS_KEY: PARAMETERS},
//             "required":["name", ARGS_KEY],"additionalProperties":false}, ...]}: one call of any of `tools`.
Json any_tool_schema(const Json& tools, const char* args_key);

struct ConstrainedCall {
  std::string name;
  Json arguments = Json::object();  // an object; {} when the text did not parse (cut short by max_tokens)
  std::string arguments_text;       // the arguments as JSON text
};
// Reads generated `text` back: forced_name non-empty → the text is the arguments of that tool; empty → the
// text is {"name": ..., ARGS_KEY: {...}} (any_tool_schema).
ConstrainedCall read_constrained_call(const std::string& text, const std::string& forced_name, const char* args_key);

}  // namespace glassbox::server
