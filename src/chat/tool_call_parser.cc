// ToolCallParser: one small parser per family; JSON is validated with nlohmann and re-serialized compactly.
#include "chat/tool_call_parser.h"

#include <cctype>
#include <cstdint>

#include <nlohmann/json.hpp>

namespace glassbox::chat {
namespace {

using Json = nlohmann::ordered_json;

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

// End (one past) of the JSON object or array starting at `pos`, by bracket balance outside strings;
// npos when it does not close.
size_t json_end(std::string_view s, size_t pos) {
  if (pos >= s.size() || (s[pos] != '{' && s[pos] != '[')) return std::string_view::npos;
  int depth = 0;
  bool in_string = false;
  for (size_t i = pos; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

bool parse_json(std::string_view s, Json& out) {
  out = Json::parse(s.begin(), s.end(), nullptr, /*allow_exceptions=*/false);
  return !out.is_discarded();
}

std::string make_id(size_t index, const std::string& name, const std::string& args) {
  uint64_t h = 1469598103934665603ull;
  for (char c : name + "\x1f" + args) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  static const char kAlnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string id = "call_" + std::to_string(index) + "_";
  for (int i = 0; i < 8; ++i) {
    id += kAlnum[h % 62];
    h /= 62;
  }
  return id;
}

// Arguments may arrive as an object or as a JSON string holding one (OpenAI style).
bool arguments_text(const Json& args, std::string& out) {
  if (args.is_object()) {
    out = args.dump();
    return true;
  }
  if (args.is_string()) {
    Json inner;
    if (parse_json(args.get<std::string>(), inner) && inner.is_object()) {
      out = inner.dump();
      return true;
    }
  }
  if (args.is_null()) {
    out = "{}";
    return true;
  }
  return false;
}

// {"name": n, "arguments"|"parameters": {...}, "id"?} → a call; `name_key` differs for Command R.
bool call_from_object(const Json& obj, ToolCall& call, const char* name_key = "name") {
  if (!obj.is_object() || !obj.contains(name_key) || !obj[name_key].is_string()) return false;
  call.name = obj[name_key].get<std::string>();
  const Json* args = nullptr;
  for (const char* key : {"arguments", "parameters"}) {
    if (obj.contains(key)) args = &obj[key];
  }
  Json empty = Json::object();
  if (!arguments_text(args ? *args : empty, call.arguments)) return false;
  for (const char* key : {"id", "tool_call_id"}) {
    if (obj.contains(key) && obj[key].is_string()) call.id = obj[key].get<std::string>();
  }
  return true;
}

// A JSON array (or single object) of calls; false when anything in it is not a call.
bool calls_from_json(const Json& j, std::vector<ToolCall>& calls, const char* name_key = "name") {
  std::vector<ToolCall> found;
  if (j.is_array()) {
    for (const auto& item : j) {
      ToolCall call;
      if (!call_from_object(item, call, name_key)) return false;
      found.push_back(std::move(call));
    }
  } else {
    ToolCall call;
    if (!call_from_object(j, call, name_key)) return false;
    found.push_back(std::move(call));
  }
  calls.insert(calls.end(), found.begin(), found.end());
  return true;
}

// Splits reasoning: "<think>r</think>c", or "r</think>c" when the prompt already opened <think>.
void split_reasoning(std::string& text, std::string& reasoning, const char* open, const char* close) {
  size_t end = text.find(close);
  if (end == std::string::npos) {
    size_t start = text.find(open);
    if (start != std::string::npos) {  // unfinished thought: all of it is reasoning
      reasoning = trim(std::string_view(text).substr(start + std::string_view(open).size()));
      text = text.substr(0, start);
    }
    return;
  }
  size_t start = text.rfind(open, end);
  size_t body = start == std::string::npos ? 0 : start + std::string_view(open).size();
  reasoning = trim(std::string_view(text).substr(body, end - body));
  std::string before = start == std::string::npos ? "" : text.substr(0, start);
  text = before + text.substr(end + std::string_view(close).size());
}

// Finds `open` ... JSON ... `close` blocks; each valid one becomes calls and is cut from the content.
void extract_tagged(std::string& text, const std::string& open, const std::string& close,
                    std::vector<ToolCall>& calls) {
  std::string content;
  size_t pos = 0;
  for (;;) {
    size_t start = text.find(open, pos);
    if (start == std::string::npos) break;
    size_t body = start + open.size();
    size_t end = text.find(close, body);
    std::string_view inner = std::string_view(text).substr(body, end == std::string::npos ? std::string::npos : end - body);
    Json j;
    if (!parse_json(trim(inner), j) || !calls_from_json(j, calls)) {
      content += text.substr(pos, (end == std::string::npos ? text.size() : end + close.size()) - pos);
    } else {
      content += text.substr(pos, start - pos);
    }
    pos = end == std::string::npos ? text.size() : end + close.size();
  }
  content += text.substr(std::min(pos, text.size()));
  text = content;
}

// `name.call(key="v", n=3)` as Llama 3.1's built-in tools write it after <|python_tag|>.
bool parse_python_call(std::string_view s, ToolCall& call) {
  std::string t = trim(s);
  size_t dot = t.find(".call(");
  if (dot == std::string::npos || t.back() != ')') return false;
  call.name = t.substr(0, dot);
  for (char c : call.name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  std::string inner = t.substr(dot + 6, t.size() - dot - 7);
  Json args = Json::object();
  size_t i = 0;
  while (i < inner.size()) {
    while (i < inner.size() && (std::isspace(static_cast<unsigned char>(inner[i])) || inner[i] == ',')) ++i;
    if (i >= inner.size()) break;
    size_t eq = inner.find('=', i);
    if (eq == std::string::npos) return false;
    std::string key = trim(std::string_view(inner).substr(i, eq - i));
    i = eq + 1;
    while (i < inner.size() && std::isspace(static_cast<unsigned char>(inner[i]))) ++i;
    if (i < inner.size() && (inner[i] == '"' || inner[i] == '\'')) {
      char q = inner[i++];
      std::string value;
      while (i < inner.size() && inner[i] != q) {
        if (inner[i] == '\\' && i + 1 < inner.size()) ++i;
        value += inner[i++];
      }
      ++i;
      args[key] = value;
    } else {
      size_t e = inner.find(',', i);
      std::string raw = trim(std::string_view(inner).substr(i, e == std::string::npos ? std::string::npos : e - i));
      Json v;
      if (!parse_json(raw, v)) v = raw;
      args[key] = v;
      i = e == std::string::npos ? inner.size() : e;
    }
  }
  call.arguments = args.dump();
  return true;
}

void parse_llama3(std::string& text, std::vector<ToolCall>& calls) {
  size_t tag = text.find("<|python_tag|>");
  std::string before = tag == std::string::npos ? "" : text.substr(0, tag);
  std::string body = tag == std::string::npos ? text : text.substr(tag + 14);
  for (const char* end_marker : {"<|eom_id|>", "<|eot_id|>"}) {
    size_t e = body.find(end_marker);
    if (e != std::string::npos) body.resize(e);
  }
  std::string t = trim(body);
  // One or more JSON calls, separated by ';' (Llama 3.2 may emit several).
  std::vector<ToolCall> found;
  size_t pos = 0;
  bool all_json = !t.empty();
  while (pos < t.size()) {
    size_t end = json_end(t, pos);
    Json j;
    if (end == std::string::npos || !parse_json(std::string_view(t).substr(pos, end - pos), j) ||
        !calls_from_json(j, found)) {
      all_json = false;
      break;
    }
    pos = end;
    while (pos < t.size() && (std::isspace(static_cast<unsigned char>(t[pos])) || t[pos] == ';')) ++pos;
  }
  if (all_json) {
    calls.insert(calls.end(), found.begin(), found.end());
    text = before;
    return;
  }
  ToolCall call;
  if (tag != std::string::npos && parse_python_call(t, call)) {
    calls.push_back(call);
    text = before;
    return;
  }
  if (tag != std::string::npos) {  // code for the python interpreter
    call.name = "python";
    call.arguments = Json{{"code", t}}.dump();
    calls.push_back(call);
    text = before;
  }
}

void parse_prefixed_array(std::string& text, const std::string& marker, std::vector<ToolCall>& calls,
                          const char* name_key = "name") {
  size_t m = text.find(marker);
  if (m == std::string::npos) return;
  size_t start = text.find_first_of("[{", m + marker.size());
  size_t end = json_end(text, start);
  Json j;
  if (end == std::string::npos || !parse_json(std::string_view(text).substr(start, end - start), j) ||
      !calls_from_json(j, calls, name_key)) {
    return;
  }
  text = text.substr(0, m) + text.substr(end);
}

// Mistral: `[TOOL_CALLS][{...}, ...]` (v3 tokenizers) or, from tokenizer v11 on, one
// `[TOOL_CALLS]name[CALL_ID]id[ARGS]{...}` per call with the id part optional.
void parse_mistral(std::string& text, std::vector<ToolCall>& calls) {
  static const std::string kTag = "[TOOL_CALLS]", kArgs = "[ARGS]", kCallId = "[CALL_ID]";
  size_t first = text.find(kTag);
  if (first == std::string::npos) return;
  size_t after = first + kTag.size();
  while (after < text.size() && std::isspace(static_cast<unsigned char>(text[after]))) ++after;
  if (after < text.size() && (text[after] == '[' || text[after] == '{')) {
    parse_prefixed_array(text, kTag, calls);
    return;
  }
  std::vector<ToolCall> found;
  size_t pos = first;
  while (pos != std::string::npos && pos < text.size() && text.compare(pos, kTag.size(), kTag) == 0) {
    size_t name_start = pos + kTag.size();
    size_t args = text.find(kArgs, name_start);
    if (args == std::string::npos) return;
    ToolCall call;
    std::string head = text.substr(name_start, args - name_start);
    size_t id = head.find(kCallId);
    call.name = trim(head.substr(0, id));
    if (id != std::string::npos) call.id = trim(head.substr(id + kCallId.size()));
    size_t json_start = args + kArgs.size();
    size_t end = json_end(text, json_start);
    Json j;
    if (call.name.empty() || end == std::string::npos ||
        !parse_json(std::string_view(text).substr(json_start, end - json_start), j) ||
        !arguments_text(j, call.arguments)) {
      return;
    }
    found.push_back(call);
    pos = end;
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
  }
  calls.insert(calls.end(), found.begin(), found.end());
  text = text.substr(0, first) + text.substr(std::min(pos, text.size()));
}

void parse_deepseek(std::string& text, std::vector<ToolCall>& calls) {
  static const std::string kBegin = "<｜tool▁calls▁begin｜>", kEnd = "<｜tool▁calls▁end｜>";
  static const std::string kCallBegin = "<｜tool▁call▁begin｜>", kCallEnd = "<｜tool▁call▁end｜>";
  static const std::string kSep = "<｜tool▁sep｜>";
  size_t b = text.find(kBegin);
  if (b == std::string::npos) return;
  size_t e = text.find(kEnd, b);
  std::string block = text.substr(b + kBegin.size(), e == std::string::npos ? std::string::npos : e - b - kBegin.size());
  std::vector<ToolCall> found;
  size_t pos = 0;
  for (;;) {
    size_t cb = block.find(kCallBegin, pos);
    if (cb == std::string::npos) break;
    size_t sep = block.find(kSep, cb);
    size_t ce = block.find(kCallEnd, cb);
    if (sep == std::string::npos) return;
    std::string rest = block.substr(sep + kSep.size(), ce == std::string::npos ? std::string::npos : ce - sep - kSep.size());
    size_t nl = rest.find('\n');
    ToolCall call;
    call.name = trim(rest.substr(0, nl));
    std::string args = nl == std::string::npos ? "" : rest.substr(nl + 1);
    size_t fence = args.find("```");
    if (fence != std::string::npos) {
      size_t body = args.find('\n', fence);
      size_t close = args.find("```", body == std::string::npos ? fence + 3 : body);
      args = args.substr(body == std::string::npos ? fence + 3 : body + 1,
                         close == std::string::npos ? std::string::npos : close - body - 1);
    }
    Json j;
    if (!parse_json(trim(args), j) || !arguments_text(j, call.arguments)) return;
    found.push_back(call);
    pos = ce == std::string::npos ? block.size() : ce + kCallEnd.size();
  }
  calls.insert(calls.end(), found.begin(), found.end());
  text = text.substr(0, b) + (e == std::string::npos ? "" : text.substr(e + kEnd.size()));
}

void parse_functionary_v31(std::string& text, std::vector<ToolCall>& calls) {
  std::string content;
  size_t pos = 0;
  for (;;) {
    size_t start = text.find("<function=", pos);
    if (start == std::string::npos) break;
    size_t gt = text.find('>', start);
    size_t end = gt == std::string::npos ? std::string::npos : text.find("</function>", gt);
    if (end == std::string::npos) break;
    ToolCall call;
    call.name = text.substr(start + 10, gt - start - 10);
    Json j;
    if (!parse_json(trim(std::string_view(text).substr(gt + 1, end - gt - 1)), j) ||
        !arguments_text(j, call.arguments)) {
      break;
    }
    calls.push_back(call);
    content += text.substr(pos, start - pos);
    pos = end + 11;
  }
  content += text.substr(pos);
  text = content;
  size_t tag = text.find("<|python_tag|>");
  if (tag != std::string::npos) {
    ToolCall call;
    call.name = "python";
    call.arguments = Json{{"code", trim(std::string_view(text).substr(tag + 14))}}.dump();
    calls.push_back(call);
    text = text.substr(0, tag);
  }
}

void parse_functionary_v32(std::string& text, std::vector<ToolCall>& calls) {
  std::string t = text;
  if (t.rfind(">>>", 0) != 0) t = ">>>" + t;  // the generation prompt ends with the first ">>>"
  std::string content;
  size_t pos = 0;
  while (pos < t.size()) {
    size_t next = t.find(">>>", pos + 3);
    std::string segment = t.substr(pos + 3, next == std::string::npos ? std::string::npos : next - pos - 3);
    pos = next == std::string::npos ? t.size() : next;
    size_t nl = segment.find('\n');
    std::string name = trim(segment.substr(0, nl));
    std::string body = nl == std::string::npos ? "" : segment.substr(nl + 1);
    if (name == "all") {
      content += body;
      continue;
    }
    ToolCall call;
    call.name = name;
    Json j;
    if (name == "python" && !parse_json(trim(body), j)) {
      call.arguments = Json{{"code", body}}.dump();
    } else if (!parse_json(trim(body), j) || !arguments_text(j, call.arguments) || name.empty()) {
      content += segment;
      continue;
    }
    calls.push_back(call);
  }
  text = content;
}

void parse_command_r7b(std::string& text, std::string& reasoning, std::vector<ToolCall>& calls) {
  auto cut = [&](const std::string& open, const std::string& close, std::string& out) {
    size_t b = text.find(open);
    if (b == std::string::npos) return false;
    size_t e = text.find(close, b);
    out = text.substr(b + open.size(), e == std::string::npos ? std::string::npos : e - b - open.size());
    text = text.substr(0, b) + (e == std::string::npos ? "" : text.substr(e + close.size()));
    return true;
  };
  std::string thinking, action, response;
  if (cut("<|START_THINKING|>", "<|END_THINKING|>", thinking)) reasoning = trim(thinking);
  if (cut("<|START_ACTION|>", "<|END_ACTION|>", action)) {
    Json j;
    if (!parse_json(trim(action), j) || !calls_from_json(j, calls, "tool_name")) text += action;
  }
  if (cut("<|START_RESPONSE|>", "<|END_RESPONSE|>", response)) text += response;
}

}  // namespace

const char* tool_call_format_name(ToolCallFormat format) {
  switch (format) {
    case ToolCallFormat::kNone: return "none";
    case ToolCallFormat::kLlama3: return "llama3";
    case ToolCallFormat::kHermes: return "hermes";
    case ToolCallFormat::kMistral: return "mistral";
    case ToolCallFormat::kDeepSeekR1: return "deepseek-r1";
    case ToolCallFormat::kFunctionaryV31: return "functionary-v3.1";
    case ToolCallFormat::kFunctionaryV32: return "functionary-v3.2";
    case ToolCallFormat::kFirefunction: return "firefunction";
    case ToolCallFormat::kCommandR: return "command-r";
    case ToolCallFormat::kCommandR7B: return "command-r7b";
  }
  return "unknown";
}

TemplateTraits detect_template_traits(std::string_view src) {
  TemplateTraits t;
  t.reasoning = contains(src, "<think>") || contains(src, "</think>");
  if (contains(src, "<|START_ACTION|>")) {
    t.format = ToolCallFormat::kCommandR7B;
  } else if (contains(src, "Action:") && contains(src, "tool_name")) {
    t.format = ToolCallFormat::kCommandR;
  } else if (contains(src, ">>>all") || contains(src, "'>>>'")) {
    t.format = ToolCallFormat::kFunctionaryV32;
  } else if (contains(src, "<function=")) {
    t.format = ToolCallFormat::kFunctionaryV31;
  } else if (contains(src, "functools[")) {
    t.format = ToolCallFormat::kFirefunction;
  } else if (contains(src, "[TOOL_CALLS]")) {
    t.format = ToolCallFormat::kMistral;
  } else if (contains(src, "tool▁calls▁begin")) {
    t.format = ToolCallFormat::kDeepSeekR1;
  } else if (contains(src, "<tool_call>")) {
    t.format = ToolCallFormat::kHermes;
  } else if (contains(src, "<|python_tag|>") || (contains(src, "<|start_header_id|>") && contains(src, "\"parameters\""))) {
    t.format = ToolCallFormat::kLlama3;
  }
  return t;
}

ParsedOutput parse_model_output(std::string_view generated, const TemplateTraits& traits) {
  ParsedOutput out;
  std::string text(generated);
  if (traits.reasoning || traits.format == ToolCallFormat::kDeepSeekR1) {
    split_reasoning(text, out.reasoning, "<think>", "</think>");
  }
  switch (traits.format) {
    case ToolCallFormat::kNone: break;
    case ToolCallFormat::kLlama3: parse_llama3(text, out.tool_calls); break;
    case ToolCallFormat::kHermes: extract_tagged(text, "<tool_call>", "</tool_call>", out.tool_calls); break;
    case ToolCallFormat::kMistral: parse_mistral(text, out.tool_calls); break;
    case ToolCallFormat::kDeepSeekR1: parse_deepseek(text, out.tool_calls); break;
    case ToolCallFormat::kFunctionaryV31: parse_functionary_v31(text, out.tool_calls); break;
    case ToolCallFormat::kFunctionaryV32: parse_functionary_v32(text, out.tool_calls); break;
    case ToolCallFormat::kFirefunction: parse_prefixed_array(text, "functools", out.tool_calls); break;
    case ToolCallFormat::kCommandR: {
      size_t a = text.find("Action:");
      if (a != std::string::npos) {
        size_t fence = text.find("```", a);
        size_t start = fence == std::string::npos ? std::string::npos : text.find_first_of("[{", fence);
        size_t end = json_end(text, start);
        Json j;
        if (end != std::string::npos && parse_json(std::string_view(text).substr(start, end - start), j) &&
            calls_from_json(j, out.tool_calls, "tool_name")) {
          size_t close = text.find("```", end);
          text = text.substr(0, a) + (close == std::string::npos ? text.substr(end) : text.substr(close + 3));
        }
      }
      break;
    }
    case ToolCallFormat::kCommandR7B: parse_command_r7b(text, out.reasoning, out.tool_calls); break;
  }
  for (size_t i = 0; i < out.tool_calls.size(); ++i) {
    ToolCall& call = out.tool_calls[i];
    if (call.id.empty()) call.id = make_id(i, call.name, call.arguments);
  }
  out.content = trim(text);
  return out;
}

}  // namespace glassbox::chat
