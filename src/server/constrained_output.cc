// Constrained output helpers (see constrained_output.h).
#include "server/constrained_output.h"

#include "constrain/json_constraint.h"

namespace glassbox::server {

namespace {

std::shared_ptr<const constrain::VocabTrie> vocab_trie(ServerState& state) {
  std::call_once(state.vocab_trie_once,
                 [&] { state.vocab_trie = constrain::VocabTrie::from_tokenizer(*state.tokenizer); });
  return state.vocab_trie;
}

}  // namespace

std::shared_ptr<engine::TokenConstraint> schema_constraint(ServerState& state, const Json& schema,
                                                           const std::string& where) {
  auto compiled = constrain::JsonSchema::compile(schema);
  if (!compiled.ok()) throw_invalid(where + ": " + compiled.status().message());
  return std::make_shared<constrain::JsonConstraint>(*compiled, vocab_trie(state));
}

std::shared_ptr<engine::TokenConstraint> any_object_constraint(ServerState& state) {
  return std::make_shared<constrain::JsonConstraint>(constrain::JsonSchema::any_object(), vocab_trie(state));
}

const Json& tool_parameters(const Json& tool) {
  static const Json kAnyObject = {{"type", "object"}};
  auto fn = tool.find("function");
  if (fn == tool.end() || !fn->is_object()) return kAnyObject;
  auto params = fn->find("parameters");
  if (params == fn->end() || params->is_null()) return kAnyObject;
  return *params;
}

const Json* find_tool(const Json& tools, const std::string& name) {
  if (!tools.is_array()) return nullptr;
  for (const Json& tool : tools) {
    auto fn = tool.find("function");
    if (fn != tool.end() && fn->is_object() && fn->value("name", "") == name) return &tool;
  }
  return nullptr;
}

Json any_tool_schema(const Json& tools, const char* args_key) {
  Json alternatives = Json::array();
  for (const Json& tool : tools) {
    Json properties = Json::object();
    properties["name"] = {{"const", tool["function"].value("name", "")}};
    properties[args_key] = tool_parameters(tool);
    alternatives.push_back({{"type", "object"},
                            {"properties", properties},
                            {"required", Json::array({"name", args_key})},
                            {"additionalProperties", false}});
  }
  return {{"anyOf", alternatives}};
}

ConstrainedCall read_constrained_call(const std::string& text, const std::string& forced_name,
                                      const char* args_key) {
  ConstrainedCall call;
  Json parsed = Json::parse(text, nullptr, false);
  if (!forced_name.empty()) {
    call.name = forced_name;
    if (parsed.is_object()) call.arguments = parsed;
  } else if (parsed.is_object()) {
    call.name = parsed.value("name", "");
    if (parsed.contains(args_key) && parsed[args_key].is_object()) call.arguments = parsed[args_key];
  }
  call.arguments_text = json_text(call.arguments);
  return call;
}

}  // namespace glassbox::server
