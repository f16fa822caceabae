// Ast: the parsed form of a Jinja template: expressions and statements, with source positions.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/value.h"

namespace glassbox::chat {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    kLiteral,     // literal
    kName,        // name
    kList,        // children = elements
    kTuple,       // children = elements
    kDict,        // children = key, value, key, value...
    kGetAttr,     // children[0] . name
    kGetItem,     // children[0] [ children[1] ]
    kSlice,       // children[0] [ children[1] : children[2] : children[3] ] (null parts absent)
    kCall,        // children[0] ( children[1..], kwargs )
    kFilter,      // name: filter; children[0] = input (null inside a filter block), children[1..] = args
    kTest,        // name: test; children[0] = input, children[1..] = args; negated
    kUnary,       // name: "-", "+", "not"
    kBinary,      // name: "+", "-", "*", "/", "//", "%", "**", "~", "and", "or"
    kCompare,     // children[0] op[0] children[1] op[1] children[2]... ops: ==, !=, <, <=, >, >=, in, notin
    kCondExpr,    // children[1] if children[0] else children[2] (children[2] may be null)
  };
  Kind kind;
  int line = 0;
  int column = 0;
  Value literal;
  std::string name;
  bool negated = false;
  bool constant = false;  // Jinja2's optimizer could evaluate it at compile time (set by Template::parse)
  std::vector<ExprPtr> children;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  std::vector<std::string> ops;
};

struct Node;
using NodePtr = std::unique_ptr<Node>;
using NodeList = std::vector<NodePtr>;

struct MacroParam {
  std::string name;
  ExprPtr default_value;  // may be null
};

struct Node {
  enum class Kind {
    kText,         // text
    kOutput,       // {{ expr }}
    kIf,           // conditions[i] -> bodies[i]; bodies.size() == conditions.size() + 1 when there is an else
    kFor,          // targets in expr [if condition] body [else else_body]
    kSet,          // targets = expr, or target_attr set: name.attr = expr
    kSetBlock,     // {% set name %}body{% endset %}, filter optional (a kFilter chain with a null input)
    kMacro,        // name(params) body
    kCallBlock,    // {% call(params) expr %}body{% endcall %}
    kFilterBlock,  // {% filter chain %}body{% endfilter %}
    kBreak,
    kContinue,
    kScope,        // {% generation %} / {% with %}: body in a new scope; with: targets = exprs
  };
  Kind kind;
  int line = 0;
  int column = 0;
  std::string text;
  std::vector<std::string> targets;
  std::string attr;  // set ns.attr
  ExprPtr expr;
  ExprPtr condition;
  std::vector<ExprPtr> conditions;
  std::vector<ExprPtr> values;  // with-block assignments
  std::vector<NodeList> bodies;
  NodeList body;
  NodeList else_body;
  std::vector<MacroParam> params;
  bool recursive = false;
  // Macros and call blocks: whether the body mentions caller / kwargs / varargs (Jinja2 decides from this
  // whether the macro accepts a caller, extra keyword arguments and extra positional arguments).
  bool uses_caller = false;
  bool uses_kwargs = false;
  bool uses_varargs = false;
  // Names that start out undefined when this node's body (for: each iteration) / else body is entered.
  std::vector<std::string> frame_undefined;
  std::vector<std::string> else_undefined;
};

}  // namespace glassbox::chat
