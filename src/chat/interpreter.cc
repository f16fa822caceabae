// Interpreter: a tree walker with Jinja2's scoping (a fresh scope per loop iteration and macro call).
#include "chat/interpreter.h"

#include <ctime>
#include <memory>

#include "chat/filters.h"
#include "chat/operators.h"
#include "chat/predicates.h"

namespace glassbox::chat {
namespace {

struct Scope {
  std::shared_ptr<Scope> parent;
  std::vector<std::pair<std::string, Value>> vars;

  Value* find(const std::string& name) {
    for (Scope* s = this; s; s = s->parent.get()) {
      for (auto& [key, value] : s->vars) {
        if (key == name) return &value;
      }
    }
    return nullptr;
  }
  void set(const std::string& name, Value value) {
    for (auto& [key, v] : vars) {
      if (key == name) {
        v = std::move(value);
        return;
      }
    }
    vars.emplace_back(name, std::move(value));
  }
};
using ScopePtr = std::shared_ptr<Scope>;

enum class Flow { kNormal, kBreak, kContinue };

// raise_exception's errors pass through unchanged; this marks them.
constexpr StatusCode kRaisedCode = StatusCode::kInvalidArgument;
const char kRaisedPrefix[] = "\x01raise:";

Status raised(const std::string& message) { return Status(kRaisedCode, kRaisedPrefix + message); }
bool is_raised(const Status& s) { return s.message().rfind(kRaisedPrefix, 0) == 0; }

class Interpreter {
 public:
  explicit Interpreter(const RenderLimits& limits) : limits_(limits) {}

  Result<std::string> run(const NodeList& nodes, const std::vector<std::string>& root_undefined,
                          const Value& context) {
    auto globals = std::make_shared<Scope>();
    install_globals(*globals);
    auto root = std::make_shared<Scope>();
    root->parent = globals;
    if (context.is_dict()) {
      for (const auto& [key, value] : context.dict_data().items) {
        if (key.is_string()) root->set(key.as_string(), value);
      }
    }
    start_frame(*root, root_undefined);
    std::string out;
    Flow flow = Flow::kNormal;
    Status s = exec_body(nodes, root, out, flow);
    // Namespaces are the only mutable values, so every reference cycle passes through one: emptying them
    // frees whatever `{% set ns.self = ns %}` tied together.
    for (auto& ns : namespaces_) ns.dict_data().items.clear();
    namespaces_.clear();
    if (!s.ok()) {
      if (is_raised(s)) return Status(s.code(), s.message().substr(sizeof(kRaisedPrefix) - 1));
      return s;
    }
    return out;
  }

 private:
  Status at(const Status& s, int line, int column) {
    if (s.ok() || is_raised(s) || positioned_) return s;
    positioned_ = true;
    return Status(s.code(), s.message() + str_format(" (line %d, column %d)", line, column));
  }

  void install_globals(Scope& g) {
    g.set("range", Value::function("range", [](const CallArgs& a) -> Result<Value> {
      std::vector<int64_t> n;
      for (const auto& v : a.positional) {
        if (!v.is_int() && !v.is_bool()) {
          return invalid_argument("'" + v.type_name() + "' object cannot be interpreted as an integer");
        }
        n.push_back(v.as_int());
      }
      if (n.empty() || n.size() > 3) return invalid_argument("range expected 1 to 3 arguments");
      int64_t start = n.size() == 1 ? 0 : n[0], stop = n.size() == 1 ? n[0] : n[1], step = n.size() == 3 ? n[2] : 1;
      if (step == 0) return invalid_argument("range() arg 3 must not be zero");
      std::vector<Value> items;
      for (int64_t i = start; step > 0 ? i < stop : i > stop;) {
        if (items.size() >= 1'000'000) return out_of_range("range() of more than 1000000 items");
        items.emplace_back(i);
        if (__builtin_add_overflow(i, step, &i)) break;
      }
      return Value::list(std::move(items));
    }));
    g.set("namespace", Value::function("namespace", [this](const CallArgs& a) -> Result<Value> {
      Value ns = Value::make_namespace();
      namespaces_.push_back(ns);
      for (const auto& p : a.positional) {
        if (!p.is_dict()) return invalid_argument("namespace() positional argument must be a dict");
        for (const auto& [k, v] : p.dict_data().items) ns.dict_data().set(k, v);
      }
      for (const auto& [k, v] : a.keyword) ns.dict_data().set(Value(k), v);
      return ns;
    }));
    g.set("dict", Value::function("dict", [](const CallArgs& a) -> Result<Value> {
      Value d = Value::dict();
      for (const auto& p : a.positional) {
        if (!p.is_dict()) return invalid_argument("dict() positional argument must be a dict");
        for (const auto& [k, v] : p.dict_data().items) d.dict_data().set(k, v);
      }
      for (const auto& [k, v] : a.keyword) d.dict_data().set(Value(k), v);
      return d;
    }));
    g.set("raise_exception", Value::function("raise_exception", [](const CallArgs& a) -> Result<Value> {
      const Value* msg = a.get("message", 0);
      return raised(msg ? msg->to_str() : "");
    }));
    g.set("strftime_now", Value::function("strftime_now", [](const CallArgs& a) -> Result<Value> {
      const Value* fmt = a.get("format", 0);
      if (!fmt || !fmt->is_string()) return invalid_argument("strftime_now() needs a format string");
      std::time_t now = std::time(nullptr);
      std::tm tm{};
      localtime_r(&now, &tm);
      char buf[512];
      size_t n = std::strftime(buf, sizeof(buf), fmt->as_string().c_str(), &tm);
      return Value(std::string(buf, n));
    }));
  }

  // Jinja2 initializes these names of a frame as undefined when it enters the frame (frames.h).
  static void start_frame(Scope& scope, const std::vector<std::string>& undefined_names) {
    for (const auto& name : undefined_names) scope.set(name, Value::undefined("'" + name + "' is undefined"));
  }

  ScopePtr child_scope(const ScopePtr& parent, const std::vector<std::string>& undefined_names) {
    auto scope = std::make_shared<Scope>();
    scope->parent = parent;
    start_frame(*scope, undefined_names);
    return scope;
  }

  // ---- statements ----

  Status exec_body(const NodeList& nodes, const ScopePtr& scope, std::string& out, Flow& flow) {
    for (const auto& node : nodes) {
      GB_RETURN_IF_ERROR(exec(*node, scope, out, flow));
      if (flow != Flow::kNormal) return ok_status();
    }
    return ok_status();
  }

  Status check_output(const std::string& out) {
    if (out.size() > limits_.max_output_bytes) {
      return out_of_range(str_format("rendered output exceeds %zu bytes", limits_.max_output_bytes));
    }
    return ok_status();
  }

  Status exec(const Node& node, const ScopePtr& scope, std::string& out, Flow& flow) {
    Status s = exec_inner(node, scope, out, flow);
    return at(s, node.line, node.column);
  }

  Status exec_inner(const Node& node, const ScopePtr& scope, std::string& out, Flow& flow) {
    switch (node.kind) {
      case Node::Kind::kText:
        out += node.text;
        return check_output(out);
      case Node::Kind::kOutput: {
        if (node.expr->constant) {
          // Folding is all or nothing: an expression that fails to fold is evaluated at run time instead.
          folding_ = true;
          bool positioned = positioned_;
          auto folded = eval(*node.expr, scope);
          folding_ = false;
          positioned_ = positioned;
          if (folded.ok()) {
            out += folded->to_str();
            return check_output(out);
          }
        }
        GB_ASSIGN_OR_RETURN(Value v, eval(*node.expr, scope));
        out += v.to_str();
        return check_output(out);
      }
      case Node::Kind::kIf:
        for (size_t i = 0; i < node.bodies.size(); ++i) {
          if (i < node.conditions.size()) {
            GB_ASSIGN_OR_RETURN(Value c, eval(*node.conditions[i], scope));
            if (!c.truthy()) continue;
          }
          return exec_body(node.bodies[i], scope, out, flow);
        }
        return ok_status();
      case Node::Kind::kFor:
        return exec_for(node, scope, out);
      case Node::Kind::kSet: {
        GB_ASSIGN_OR_RETURN(Value v, eval(*node.expr, scope));
        if (!node.attr.empty()) {
          Value* ns = scope->find(node.targets[0]);
          if (!ns || !ns->is_namespace()) return invalid_argument("cannot assign attribute on non-namespace object");
          ns->dict_data().set(Value(node.attr), std::move(v));
          return ok_status();
        }
        return assign(node.targets, v, *scope);
      }
      case Node::Kind::kSetBlock: {
        std::string body;
        Flow inner = Flow::kNormal;
        GB_RETURN_IF_ERROR(exec_body(node.body, child_scope(scope, node.frame_undefined), body, inner));
        Value v(std::move(body));
        if (node.expr) {
          GB_ASSIGN_OR_RETURN(v, eval_filter(*node.expr, scope, &v));
        }
        scope->set(node.targets[0], std::move(v));
        return ok_status();
      }
      case Node::Kind::kMacro:
        scope->set(node.targets[0], make_macro(node, scope, node.targets[0]));
        return ok_status();
      case Node::Kind::kCallBlock: {
        Value caller = make_macro(node, scope, "caller");
        const Expr& call = *node.expr;
        GB_ASSIGN_OR_RETURN(Value callee, eval(*call.children[0], scope));
        GB_ASSIGN_OR_RETURN(CallArgs args, eval_args(call, 1, scope));
        args.keyword.emplace_back("caller", caller);
        GB_ASSIGN_OR_RETURN(Value v, call_value(callee, args));
        out += v.to_str();
        return check_output(out);
      }
      case Node::Kind::kFilterBlock: {
        std::string body;
        Flow inner = Flow::kNormal;
        GB_RETURN_IF_ERROR(exec_body(node.body, child_scope(scope, node.frame_undefined), body, inner));
        Value input(std::move(body));
        GB_ASSIGN_OR_RETURN(Value v, eval_filter(*node.expr, scope, &input));
        out += v.to_str();
        return check_output(out);
      }
      case Node::Kind::kBreak:
        flow = Flow::kBreak;
        return ok_status();
      case Node::Kind::kContinue:
        flow = Flow::kContinue;
        return ok_status();
      case Node::Kind::kScope: {
        auto inner_scope = child_scope(scope, node.frame_undefined);
        for (size_t i = 0; i < node.targets.size(); ++i) {
          GB_ASSIGN_OR_RETURN(Value v, eval(*node.values[i], scope));
          inner_scope->set(node.targets[i], std::move(v));
        }
        return exec_body(node.body, inner_scope, out, flow);
      }
    }
    return internal_error("unknown statement");
  }

  Status assign(const std::vector<std::string>& targets, const Value& v, Scope& scope) {
    if (targets.size() == 1) {
      scope.set(targets[0], v);
      return ok_status();
    }
    GB_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
    if (items.size() != targets.size()) {
      return invalid_argument(items.size() > targets.size()
                                  ? str_format("too many values to unpack (expected %zu)", targets.size())
                                  : str_format("not enough values to unpack (expected %zu, got %zu)",
                                               targets.size(), items.size()));
    }
    for (size_t i = 0; i < targets.size(); ++i) scope.set(targets[i], items[i]);
    return ok_status();
  }

  Status exec_for(const Node& node, const ScopePtr& scope, std::string& out) {
    if (node.recursive) return unimplemented("recursive for loops are not supported");
    GB_ASSIGN_OR_RETURN(Value iterable, eval(*node.expr, scope));
    GB_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(iterable));
    if (node.condition) {
      std::vector<Value> kept;
      for (auto& item : items) {
        auto probe = std::make_shared<Scope>();
        probe->parent = scope;
        GB_RETURN_IF_ERROR(assign(node.targets, item, *probe));
        GB_ASSIGN_OR_RETURN(Value c, eval(*node.condition, probe));
        if (c.truthy()) kept.push_back(std::move(item));
      }
      items = std::move(kept);
    }
    if (items.empty()) {
      Flow flow = Flow::kNormal;
      return exec_body(node.else_body, child_scope(scope, node.else_undefined), out, flow);
    }
    const int64_t n = static_cast<int64_t>(items.size());
    // loop.changed(*values) compares with the values of its previous call in this loop.
    auto last_changed = std::make_shared<std::pair<bool, std::vector<Value>>>();
    for (int64_t i = 0; i < n; ++i) {
      if (++iterations_ > limits_.max_loop_iterations) {
        return out_of_range(str_format("template loops ran more than %lld iterations",
                                       static_cast<long long>(limits_.max_loop_iterations)));
      }
      auto iter_scope = child_scope(scope, node.frame_undefined);
      GB_RETURN_IF_ERROR(assign(node.targets, items[i], *iter_scope));
      Value loop = Value::dict();
      DictData& d = loop.dict_data();
      d.items.reserve(13);
      d.items.emplace_back(Value("index"), Value(i + 1));
      d.items.emplace_back(Value("index0"), Value(i));
      d.items.emplace_back(Value("revindex"), Value(n - i));
      d.items.emplace_back(Value("revindex0"), Value(n - i - 1));
      d.items.emplace_back(Value("first"), Value(i == 0));
      d.items.emplace_back(Value("last"), Value(i == n - 1));
      d.items.emplace_back(Value("length"), Value(n));
      d.items.emplace_back(Value("depth"), Value(int64_t{1}));
      d.items.emplace_back(Value("depth0"), Value(int64_t{0}));
      d.items.emplace_back(Value("previtem"),
                           i > 0 ? items[i - 1] : Value::undefined("there is no previous item"));
      d.items.emplace_back(Value("nextitem"), i + 1 < n ? items[i + 1] : Value::undefined("there is no next item"));
      d.items.emplace_back(Value("cycle"), Value::function("cycle", [i](const CallArgs& a) -> Result<Value> {
                             if (a.positional.empty()) return invalid_argument("no items for cycling given");
                             return a.positional[i % a.positional.size()];
                           }));
      d.items.emplace_back(Value("changed"), Value::function("changed", [last_changed](const CallArgs& a) -> Result<Value> {
                             bool same = last_changed->first && last_changed->second.size() == a.positional.size();
                             for (size_t k = 0; same && k < a.positional.size(); ++k) {
                               same = last_changed->second[k].equals(a.positional[k]);
                             }
                             if (same) return Value(false);
                             *last_changed = {true, a.positional};
                             return Value(true);
                           }));
      iter_scope->set("loop", std::move(loop));
      Flow flow = Flow::kNormal;
      GB_RETURN_IF_ERROR(exec_body(node.body, iter_scope, out, flow));
      if (flow == Flow::kBreak) break;
    }
    return ok_status();
  }

  // A macro (or a call block's `caller`) as a function value. It holds its defining scope weakly: scopes
  // hold the macro, and a strong reference would leak the cycle.
  Value make_macro(const Node& node, const ScopePtr& scope, const std::string& name) {
    std::weak_ptr<Scope> weak = scope;
    const Node* macro = &node;
    std::string shown = node.kind == Node::Kind::kMacro ? "Macro '" + name + "'" : "Macro anonymous";
    return Value::function(shown, [this, macro, weak, name](const CallArgs& args) -> Result<Value> {
      ScopePtr def_scope = weak.lock();
      if (!def_scope) return internal_error("macro '" + name + "' called after its scope ended");
      return call_macro(*macro, def_scope, name, args);
    });
  }

  // Binds arguments as Jinja2's Macro.__call__ does: positional first, then keywords by name; `caller` is
  // accepted only when the body mentions it; extra keywords go to `kwargs` and extra positionals to
  // `varargs` only when the body mentions those, and are errors otherwise.
  Result<Value> call_macro(const Node& macro, const ScopePtr& def_scope, const std::string& name,
                           const CallArgs& args) {
    if (call_depth_ >= limits_.max_call_depth) {
      // Python's RecursionError text, so that templates that recurse forever fail alike.
      return out_of_range(str_format("maximum recursion depth exceeded (macro calls nested deeper than %d)",
                                     limits_.max_call_depth));
    }
    const std::string shown = macro.kind == Node::Kind::kMacro ? "'" + name + "'" : "None";
    auto scope = child_scope(def_scope, macro.frame_undefined);
    const size_t n_params = macro.params.size();
    std::vector<std::pair<std::string, Value>> keywords = args.keyword;
    auto take_keyword = [&](const std::string& key, Value& out) {
      for (auto it = keywords.begin(); it != keywords.end(); ++it) {
        if (it->first == key) {
          out = std::move(it->second);
          keywords.erase(it);
          return true;
        }
      }
      return false;
    };
    for (size_t i = 0; i < n_params; ++i) {
      const MacroParam& param = macro.params[i];
      Value v;
      bool given = false;
      if (i < args.positional.size()) {
        v = args.positional[i];
        given = true;
      } else {
        given = take_keyword(param.name, v);
      }
      if (!given) {
        if (param.default_value) {
          GB_ASSIGN_OR_RETURN(v, eval(*param.default_value, scope));
        } else {
          v = Value::undefined("parameter '" + param.name + "' was not provided");
        }
      }
      scope->set(param.name, std::move(v));
    }
    if (macro.uses_caller) {
      Value caller;
      if (!take_keyword("caller", caller)) caller = Value::undefined("No caller defined");
      scope->set("caller", std::move(caller));
    }
    if (macro.uses_kwargs) {
      Value kwargs = Value::dict();
      for (auto& [key, value] : keywords) kwargs.dict_data().set(Value(key), value);
      scope->set("kwargs", std::move(kwargs));
    } else if (!keywords.empty()) {
      for (const auto& kw : keywords) {
        if (kw.first == "caller") {
          return invalid_argument("macro " + shown +
                                  " was invoked with two values for the special caller argument. This is most "
                                  "likely a bug.");
        }
      }
      return invalid_argument("macro " + shown + " takes no keyword argument '" + keywords.front().first + "'");
    }
    if (macro.uses_varargs) {
      std::vector<Value> extra;
      for (size_t i = n_params; i < args.positional.size(); ++i) extra.push_back(args.positional[i]);
      scope->set("varargs", Value::tuple(std::move(extra)));
    } else if (args.positional.size() > n_params) {
      return invalid_argument(str_format("macro %s takes not more than %zu argument(s)", shown.c_str(), n_params));
    }
    std::string out;
    Flow flow = Flow::kNormal;
    ++call_depth_;
    Status s = exec_body(macro.body, scope, out, flow);
    --call_depth_;
    GB_RETURN_IF_ERROR(s);
    return Value(std::move(out));
  }

  // ---- expressions ----

  Result<CallArgs> eval_args(const Expr& e, size_t first, const ScopePtr& scope) {
    CallArgs args;
    for (size_t i = first; i < e.children.size(); ++i) {
      GB_ASSIGN_OR_RETURN(Value v, eval(*e.children[i], scope));
      args.positional.push_back(std::move(v));
    }
    for (const auto& [key, expr] : e.kwargs) {
      GB_ASSIGN_OR_RETURN(Value v, eval(*expr, scope));
      args.keyword.emplace_back(key, std::move(v));
    }
    return args;
  }

  Result<Value> call_value(const Value& callee, const CallArgs& args) {
    if (callee.is_undefined()) return undefined_error(callee);
    if (!callee.is_function()) return invalid_argument("'" + callee.type_name() + "' object is not callable");
    return callee.function_data().fn(args);
  }

  // A filter chain; a null innermost input is `block_input` (filter blocks and block sets).
  Result<Value> eval_filter(const Expr& e, const ScopePtr& scope, const Value* block_input) {
    Value input;
    const Expr* child = e.children[0].get();
    if (!child) {
      input = block_input ? *block_input : Value();
    } else if (child->kind == Expr::Kind::kFilter) {
      GB_ASSIGN_OR_RETURN(input, eval_filter(*child, scope, block_input));
    } else {
      GB_ASSIGN_OR_RETURN(input, eval(*child, scope));
    }
    GB_ASSIGN_OR_RETURN(CallArgs args, eval_args(e, 1, scope));
    return apply_filter(e.name, input, args);
  }

  Result<Value> eval(const Expr& e, const ScopePtr& scope) {
    if (e.constant && !folding_ && e.kind != Expr::Kind::kLiteral) {
      // Jinja2's optimizer replaces a constant subexpression by its value when it evaluates cleanly to a
      // value it can embed; otherwise the expression runs normally.
      folding_ = true;
      bool positioned = positioned_;
      auto folded = eval_inner(e, scope);
      folding_ = false;
      positioned_ = positioned;
      if (folded.ok() && safe_repr(*folded)) return folded;
    }
    auto r = eval_inner(e, scope);
    if (!r.ok()) return at(r.status(), e.line, e.column);
    return r;
  }

  Result<Value> eval_inner(const Expr& e, const ScopePtr& scope) {
    switch (e.kind) {
      case Expr::Kind::kLiteral:
        return e.literal;
      case Expr::Kind::kName: {
        if (folding_) return Status(StatusCode::kUnimplemented, "not a constant");
        if (Value* v = scope->find(e.name)) return *v;
        return Value::undefined("'" + e.name + "' is undefined");
      }
      case Expr::Kind::kList:
      case Expr::Kind::kTuple: {
        std::vector<Value> items;
        for (const auto& c : e.children) {
          GB_ASSIGN_OR_RETURN(Value v, eval(*c, scope));
          items.push_back(std::move(v));
        }
        return e.kind == Expr::Kind::kList ? Value::list(std::move(items)) : Value::tuple(std::move(items));
      }
      case Expr::Kind::kDict: {
        Value d = Value::dict();
        for (size_t i = 0; i + 1 < e.children.size(); i += 2) {
          GB_ASSIGN_OR_RETURN(Value k, eval(*e.children[i], scope));
          GB_ASSIGN_OR_RETURN(Value v, eval(*e.children[i + 1], scope));
          if (k.is_list() && !k.is_tuple()) return invalid_argument("unhashable type: 'list'");
          if (k.is_dict()) return invalid_argument("unhashable type: 'dict'");
          d.dict_data().set(std::move(k), std::move(v));
        }
        return d;
      }
      case Expr::Kind::kGetAttr: {
        GB_ASSIGN_OR_RETURN(Value obj, eval(*e.children[0], scope));
        return get_attr(obj, e.name);
      }
      case Expr::Kind::kGetItem: {
        GB_ASSIGN_OR_RETURN(Value obj, eval(*e.children[0], scope));
        GB_ASSIGN_OR_RETURN(Value key, eval(*e.children[1], scope));
        return get_item(obj, key);
      }
      case Expr::Kind::kSlice: {
        GB_ASSIGN_OR_RETURN(Value obj, eval(*e.children[0], scope));
        Value parts[3];
        for (int i = 0; i < 3; ++i) {
          if (e.children[i + 1]) {
            GB_ASSIGN_OR_RETURN(parts[i], eval(*e.children[i + 1], scope));
          }
        }
        auto sliced = slice_value(obj, parts[0], parts[1], parts[2]);
        // Jinja2 prints a wholly constant `{{ ... }}` by folding it through environment.getitem, which turns
        // a failed slice of a real value into an undefined one; at run time slicing is plain Python and raises.
        if (!sliced.ok() && folding_ && !obj.is_undefined()) {
          return Value::undefined(sliced.status().message());
        }
        return sliced;
      }
      case Expr::Kind::kCall: {
        if (folding_) return Status(StatusCode::kUnimplemented, "not a constant");
        GB_ASSIGN_OR_RETURN(Value callee, eval(*e.children[0], scope));
        GB_ASSIGN_OR_RETURN(CallArgs args, eval_args(e, 1, scope));
        return call_value(callee, args);
      }
      case Expr::Kind::kFilter:
        return eval_filter(e, scope, nullptr);
      case Expr::Kind::kTest: {
        GB_ASSIGN_OR_RETURN(Value v, eval(*e.children[0], scope));
        GB_ASSIGN_OR_RETURN(CallArgs args, eval_args(e, 1, scope));
        GB_ASSIGN_OR_RETURN(bool r, apply_test(e.name, v, args));
        return Value(r != e.negated);
      }
      case Expr::Kind::kUnary: {
        GB_ASSIGN_OR_RETURN(Value v, eval(*e.children[0], scope));
        if (e.name == "not") return Value(!v.truthy());
        if (e.name == "-") return unary_minus(v);
        if (v.is_undefined()) return undefined_error(v);
        if (!v.is_number()) return invalid_argument("bad operand type for unary +: '" + v.type_name() + "'");
        return v.is_bool() ? Value(v.as_int()) : v;
      }
      case Expr::Kind::kBinary: {
        GB_ASSIGN_OR_RETURN(Value left, eval(*e.children[0], scope));
        if (e.name == "and") {
          if (!left.truthy()) return left;
          return eval(*e.children[1], scope);
        }
        if (e.name == "or") {
          if (left.truthy()) return left;
          return eval(*e.children[1], scope);
        }
        GB_ASSIGN_OR_RETURN(Value right, eval(*e.children[1], scope));
        if (e.name == "**" && !folding_ && e.children[0]->constant && left.is_number() && !left.is_bool() &&
            left.as_double() < 0) {
          // Jinja2 writes a folded negative base into Python source as `-1 ** y`, which Python reads as
          // -(1 ** y).
          GB_ASSIGN_OR_RETURN(Value magnitude, unary_minus(left));
          GB_ASSIGN_OR_RETURN(Value power, binary_op("**", magnitude, right));
          return unary_minus(power);
        }
        return binary_op(e.name, left, right);
      }
      case Expr::Kind::kCompare: {
        GB_ASSIGN_OR_RETURN(Value left, eval(*e.children[0], scope));
        for (size_t i = 0; i < e.ops.size(); ++i) {
          GB_ASSIGN_OR_RETURN(Value right, eval(*e.children[i + 1], scope));
          GB_ASSIGN_OR_RETURN(bool r, compare_op(e.ops[i], left, right));
          if (!r) return Value(false);
          left = std::move(right);
        }
        return Value(true);
      }
      case Expr::Kind::kCondExpr: {
        GB_ASSIGN_OR_RETURN(Value cond, eval(*e.children[0], scope));
        if (cond.truthy()) return eval(*e.children[1], scope);
        if (e.children[2]) return eval(*e.children[2], scope);
        return Value::undefined(str_format(
            "the inline if-expression on line %d evaluated to false and no else section was defined.", e.line));
      }
    }
    return internal_error("unknown expression");
  }

  // Values Jinja2 can embed in compiled code as constants (nodes.Const / has_safe_repr).
  static bool safe_repr(const Value& v) {
    switch (v.kind()) {
      case Value::Kind::kNone:
      case Value::Kind::kBool:
      case Value::Kind::kInt:
      case Value::Kind::kFloat:
      case Value::Kind::kString:
        return true;
      case Value::Kind::kList:
        for (const auto& item : v.items()) {
          if (!safe_repr(item)) return false;
        }
        return true;
      case Value::Kind::kDict:
        if (v.is_namespace()) return false;
        for (const auto& [k, item] : v.dict_data().items) {
          if (!safe_repr(k) || !safe_repr(item)) return false;
        }
        return true;
      default:
        return false;
    }
  }

  RenderLimits limits_;
  bool folding_ = false;  // evaluating as Jinja2's compile-time constant folding would
  std::vector<Value> namespaces_;
  int64_t iterations_ = 0;
  int call_depth_ = 0;
  bool positioned_ = false;
};

}  // namespace

Result<std::string> render_nodes(const NodeList& nodes, const std::vector<std::string>& root_undefined,
                                 const Value& context, const RenderLimits& limits) {
  Interpreter interpreter(limits);
  return interpreter.run(nodes, root_undefined, context);
}

}  // namespace glassbox::chat
