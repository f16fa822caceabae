// Parser: recursive descent over Jinja2's expression precedence and statement tags.
#include "chat/parser.h"

#include <cstdlib>

namespace glassbox::chat {
namespace {

constexpr int kMaxDepth = 200;

const char* kind_name(TokenKind kind) {
  switch (kind) {
    case TokenKind::kText: return "text";
    case TokenKind::kVarBegin: return "'{{'";
    case TokenKind::kVarEnd: return "'}}'";
    case TokenKind::kBlockBegin: return "'{%'";
    case TokenKind::kBlockEnd: return "'%}'";
    case TokenKind::kName: return "name";
    case TokenKind::kString: return "string";
    case TokenKind::kInt: return "integer";
    case TokenKind::kFloat: return "float";
    case TokenKind::kOperator: return "operator";
    case TokenKind::kEof: return "end of template";
  }
  return "token";
}

class Parser {
 public:
  explicit Parser(const std::vector<Token>& tokens) : toks_(tokens) {}

  Result<NodeList> parse_all() {
    std::string end;
    GB_ASSIGN_OR_RETURN(NodeList nodes, parse_body({}, &end));
    return nodes;
  }

 private:
  struct DepthGuard {
    explicit DepthGuard(int& d) : depth(d) { ++depth; }
    ~DepthGuard() { --depth; }
    int& depth;
  };

  const Token& peek(size_t ahead = 0) const {
    size_t i = pos_ + ahead;
    return i < toks_.size() ? toks_[i] : toks_.back();
  }
  const Token& next() {
    const Token& t = peek();
    if (pos_ < toks_.size() - 1) ++pos_;
    return t;
  }
  bool is_op(const char* op, size_t ahead = 0) const {
    return peek(ahead).kind == TokenKind::kOperator && peek(ahead).value == op;
  }
  bool is_name(const char* name, size_t ahead = 0) const {
    return peek(ahead).kind == TokenKind::kName && peek(ahead).value == name;
  }
  bool skip_op(const char* op) {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  bool skip_name(const char* name) {
    if (!is_name(name)) return false;
    next();
    return true;
  }

  static std::string describe(const Token& t) {
    if (t.kind == TokenKind::kName || t.kind == TokenKind::kOperator || t.kind == TokenKind::kInt ||
        t.kind == TokenKind::kFloat) {
      return "'" + t.value + "'";
    }
    return kind_name(t.kind);
  }

  Status error(const Token& t, const std::string& what) const {
    return invalid_argument(
        str_format("template syntax error at line %d, column %d: %s", t.line, t.column, what.c_str()));
  }
  Status unexpected(const std::string& expected) const {
    return error(peek(), "unexpected " + describe(peek()) + ", expected " + expected);
  }
  Status expect_op(const char* op) {
    if (!skip_op(op)) return unexpected(std::string("'") + op + "'");
    return ok_status();
  }
  Status expect_block_end() {
    if (peek().kind != TokenKind::kBlockEnd) return unexpected("end of statement block '%}'");
    next();
    return ok_status();
  }
  Result<std::string> expect_name() {
    if (peek().kind != TokenKind::kName) return unexpected("a name");
    return next().value;
  }

  ExprPtr make_expr(Expr::Kind kind, const Token& at) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = at.line;
    e->column = at.column;
    return e;
  }
  NodePtr make_node(Node::Kind kind, const Token& at) {
    auto n = std::make_unique<Node>();
    n->kind = kind;
    n->line = at.line;
    n->column = at.column;
    return n;
  }

  // ---- statements ----

  // Parses nodes until a block tag whose name is in `ends` (the name is consumed, the rest of the tag is not).
  Result<NodeList> parse_body(const std::vector<std::string>& ends, std::string* found_end) {
    DepthGuard guard(depth_);
    if (depth_ > kMaxDepth) return error(peek(), "blocks nested too deeply");
    NodeList nodes;
    for (;;) {
      const Token& t = peek();
      switch (t.kind) {
        case TokenKind::kEof:
          if (!ends.empty()) {
            return error(t, "unexpected end of template, expected '" + ends.back() + "'");
          }
          return nodes;
        case TokenKind::kText: {
          auto n = make_node(Node::Kind::kText, t);
          n->text = next().value;
          nodes.push_back(std::move(n));
          break;
        }
        case TokenKind::kVarBegin: {
          auto n = make_node(Node::Kind::kOutput, next());
          GB_ASSIGN_OR_RETURN(n->expr, parse_tuple(true));
          if (peek().kind != TokenKind::kVarEnd) return unexpected("end of print statement '}}'");
          next();
          nodes.push_back(std::move(n));
          break;
        }
        case TokenKind::kBlockBegin: {
          next();
          const Token& name_tok = peek();
          if (name_tok.kind != TokenKind::kName) return unexpected("a statement name");
          for (const auto& end : ends) {
            if (name_tok.value == end) {
              *found_end = next().value;
              return nodes;
            }
          }
          GB_ASSIGN_OR_RETURN(NodePtr n, parse_statement(ends));
          nodes.push_back(std::move(n));
          break;
        }
        default:
          return unexpected("text or a tag");
      }
    }
  }

  Result<NodePtr> parse_statement(const std::vector<std::string>& ends) {
    const Token& t = next();
    const std::string& name = t.value;
    if (name == "if") return parse_if(t);
    if (name == "for") return parse_for(t);
    if (name == "set") return parse_set(t);
    if (name == "macro") return parse_macro(t);
    if (name == "call") return parse_call_block(t);
    if (name == "filter") return parse_filter_block(t);
    if (name == "break" || name == "continue") {
      if (loop_depth_ == 0) return error(t, "'" + name + "' outside of a loop");
      auto n = make_node(name == "break" ? Node::Kind::kBreak : Node::Kind::kContinue, t);
      GB_RETURN_IF_ERROR(expect_block_end());
      return n;
    }
    if (name == "generation" || name == "with") {
      auto n = make_node(Node::Kind::kScope, t);
      if (name == "with") {
        while (peek().kind != TokenKind::kBlockEnd) {
          if (!n->targets.empty()) GB_RETURN_IF_ERROR(expect_op(","));
          GB_ASSIGN_OR_RETURN(std::string target, expect_name());
          GB_RETURN_IF_ERROR(expect_op("="));
          GB_ASSIGN_OR_RETURN(ExprPtr value, parse_expression());
          n->targets.push_back(target);
          n->values.push_back(std::move(value));
        }
      }
      GB_RETURN_IF_ERROR(expect_block_end());
      std::string end;
      GB_ASSIGN_OR_RETURN(n->body, parse_body({"end" + name}, &end));
      GB_RETURN_IF_ERROR(expect_block_end());
      return n;
    }
    std::string message = "unknown tag '" + name + "'";
    if (!ends.empty()) message += ", expected '" + ends.back() + "'";
    return error(t, message);
  }

  Result<NodePtr> parse_if(const Token& at) {
    auto n = make_node(Node::Kind::kIf, at);
    for (;;) {
      GB_ASSIGN_OR_RETURN(ExprPtr cond, parse_tuple(false));
      GB_RETURN_IF_ERROR(expect_block_end());
      n->conditions.push_back(std::move(cond));
      std::string end;
      GB_ASSIGN_OR_RETURN(NodeList body, parse_body({"elif", "else", "endif"}, &end));
      n->bodies.push_back(std::move(body));
      if (end == "elif") continue;
      if (end == "else") {
        GB_RETURN_IF_ERROR(expect_block_end());
        GB_ASSIGN_OR_RETURN(NodeList else_body, parse_body({"endif"}, &end));
        n->bodies.push_back(std::move(else_body));
      }
      GB_RETURN_IF_ERROR(expect_block_end());
      return n;
    }
  }

  Result<std::vector<std::string>> parse_targets() {
    std::vector<std::string> targets;
    bool paren = skip_op("(");
    for (;;) {
      GB_ASSIGN_OR_RETURN(std::string name, expect_name());
      targets.push_back(name);
      if (!skip_op(",")) break;
      if (peek().kind != TokenKind::kName) break;
    }
    if (paren) GB_RETURN_IF_ERROR(expect_op(")"));
    return targets;
  }

  Result<NodePtr> parse_for(const Token& at) {
    auto n = make_node(Node::Kind::kFor, at);
    GB_ASSIGN_OR_RETURN(n->targets, parse_targets());
    if (!skip_name("in")) return unexpected("'in'");
    GB_ASSIGN_OR_RETURN(n->expr, parse_tuple(false, /*stop_at_if=*/true));
    if (skip_name("if")) {
      GB_ASSIGN_OR_RETURN(n->condition, parse_tuple(false));
    }
    if (skip_name("recursive")) n->recursive = true;
    GB_RETURN_IF_ERROR(expect_block_end());
    ++loop_depth_;
    std::string end;
    auto body = parse_body({"else", "endfor"}, &end);
    --loop_depth_;
    if (!body.ok()) return body.status();
    n->body = std::move(body).value();
    if (end == "else") {
      GB_RETURN_IF_ERROR(expect_block_end());
      GB_ASSIGN_OR_RETURN(n->else_body, parse_body({"endfor"}, &end));
    }
    GB_RETURN_IF_ERROR(expect_block_end());
    return n;
  }

  Result<NodePtr> parse_set(const Token& at) {
    if (peek().kind == TokenKind::kName && is_op(".", 1)) {
      auto n = make_node(Node::Kind::kSet, at);
      n->targets.push_back(next().value);
      next();
      GB_ASSIGN_OR_RETURN(n->attr, expect_name());
      GB_RETURN_IF_ERROR(expect_op("="));
      GB_ASSIGN_OR_RETURN(n->expr, parse_tuple(true));
      GB_RETURN_IF_ERROR(expect_block_end());
      return n;
    }
    GB_ASSIGN_OR_RETURN(std::vector<std::string> targets, parse_targets());
    if (skip_op("=")) {
      auto n = make_node(Node::Kind::kSet, at);
      n->targets = std::move(targets);
      GB_ASSIGN_OR_RETURN(n->expr, parse_tuple(true));
      GB_RETURN_IF_ERROR(expect_block_end());
      return n;
    }
    if (targets.size() != 1) return unexpected("'='");
    auto n = make_node(Node::Kind::kSetBlock, at);
    n->targets = std::move(targets);
    if (is_op("|")) {
      GB_ASSIGN_OR_RETURN(n->expr, parse_filter_chain(nullptr));
    }
    GB_RETURN_IF_ERROR(expect_block_end());
    std::string end;
    GB_ASSIGN_OR_RETURN(n->body, parse_body({"endset"}, &end));
    GB_RETURN_IF_ERROR(expect_block_end());
    return n;
  }

  Result<std::vector<MacroParam>> parse_params() {
    std::vector<MacroParam> params;
    GB_RETURN_IF_ERROR(expect_op("("));
    while (!skip_op(")")) {
      if (!params.empty()) GB_RETURN_IF_ERROR(expect_op(","));
      if (skip_op(")")) break;
      MacroParam p;
      GB_ASSIGN_OR_RETURN(p.name, expect_name());
      if (skip_op("=")) {
        GB_ASSIGN_OR_RETURN(p.default_value, parse_expression());
      }
      params.push_back(std::move(p));
    }
    return params;
  }

  Result<NodePtr> parse_macro(const Token& at) {
    auto n = make_node(Node::Kind::kMacro, at);
    GB_ASSIGN_OR_RETURN(std::string name, expect_name());
    n->targets.push_back(name);
    GB_ASSIGN_OR_RETURN(n->params, parse_params());
    GB_RETURN_IF_ERROR(expect_block_end());
    int saved = loop_depth_;
    loop_depth_ = 0;
    std::string end;
    auto body = parse_body({"endmacro"}, &end);
    loop_depth_ = saved;
    if (!body.ok()) return body.status();
    n->body = std::move(body).value();
    if (peek().kind == TokenKind::kName && peek().value == name) next();
    GB_RETURN_IF_ERROR(expect_block_end());
    return n;
  }

  Result<NodePtr> parse_call_block(const Token& at) {
    auto n = make_node(Node::Kind::kCallBlock, at);
    if (is_op("(")) {
      GB_ASSIGN_OR_RETURN(n->params, parse_params());
    }
    GB_ASSIGN_OR_RETURN(n->expr, parse_expression());
    if (n->expr->kind != Expr::Kind::kCall) return error(at, "expected a call after 'call'");
    GB_RETURN_IF_ERROR(expect_block_end());
    std::string end;
    GB_ASSIGN_OR_RETURN(n->body, parse_body({"endcall"}, &end));
    GB_RETURN_IF_ERROR(expect_block_end());
    return n;
  }

  Result<NodePtr> parse_filter_block(const Token& at) {
    auto n = make_node(Node::Kind::kFilterBlock, at);
    GB_ASSIGN_OR_RETURN(n->expr, parse_filter_chain(nullptr, /*leading_pipe=*/false));
    GB_RETURN_IF_ERROR(expect_block_end());
    std::string end;
    GB_ASSIGN_OR_RETURN(n->body, parse_body({"endfilter"}, &end));
    GB_RETURN_IF_ERROR(expect_block_end());
    return n;
  }

  // ---- expressions ----

  // A comma-separated list at statement level becomes a tuple: `{{ a, b }}`, `{% set x = 1, 2 %}`.
  Result<ExprPtr> parse_tuple(bool with_condexpr, bool stop_at_if = false) {
    const Token& at = peek();
    GB_ASSIGN_OR_RETURN(ExprPtr first, with_condexpr ? parse_expression() : parse_or());
    if (!is_op(",")) return first;
    auto tuple = make_expr(Expr::Kind::kTuple, at);
    tuple->children.push_back(std::move(first));
    while (skip_op(",")) {
      if (peek().kind == TokenKind::kVarEnd || peek().kind == TokenKind::kBlockEnd) break;
      if (stop_at_if && is_name("if")) break;
      GB_ASSIGN_OR_RETURN(ExprPtr item, with_condexpr ? parse_expression() : parse_or());
      tuple->children.push_back(std::move(item));
    }
    return tuple;
  }

  Result<ExprPtr> parse_expression() {
    DepthGuard guard(depth_);
    if (depth_ > kMaxDepth) return error(peek(), "expression nested too deeply");
    const Token& at = peek();
    GB_ASSIGN_OR_RETURN(ExprPtr expr, parse_or());
    while (skip_name("if")) {
      auto cond = make_expr(Expr::Kind::kCondExpr, at);
      GB_ASSIGN_OR_RETURN(ExprPtr test, parse_or());
      cond->children.push_back(std::move(test));
      cond->children.push_back(std::move(expr));
      if (skip_name("else")) {
        GB_ASSIGN_OR_RETURN(ExprPtr other, parse_expression());
        cond->children.push_back(std::move(other));
      } else {
        cond->children.push_back(nullptr);
      }
      expr = std::move(cond);
    }
    return expr;
  }

  ExprPtr binary(const Token& at, const std::string& op, ExprPtr left, ExprPtr right) {
    auto e = make_expr(Expr::Kind::kBinary, at);
    e->name = op;
    e->children.push_back(std::move(left));
    e->children.push_back(std::move(right));
    return e;
  }

  Result<ExprPtr> parse_or() {
    GB_ASSIGN_OR_RETURN(ExprPtr left, parse_and());
    while (is_name("or")) {
      const Token& at = next();
      GB_ASSIGN_OR_RETURN(ExprPtr right, parse_and());
      left = binary(at, "or", std::move(left), std::move(right));
    }
    return left;
  }

  Result<ExprPtr> parse_and() {
    GB_ASSIGN_OR_RETURN(ExprPtr left, parse_not());
    while (is_name("and")) {
      const Token& at = next();
      GB_ASSIGN_OR_RETURN(ExprPtr right, parse_not());
      left = binary(at, "and", std::move(left), std::move(right));
    }
    return left;
  }

  Result<ExprPtr> parse_not() {
    if (is_name("not")) {
      DepthGuard guard(depth_);
      if (depth_ > kMaxDepth) return error(peek(), "expression nested too deeply");
      auto e = make_expr(Expr::Kind::kUnary, next());
      e->name = "not";
      GB_ASSIGN_OR_RETURN(ExprPtr operand, parse_not());
      e->children.push_back(std::move(operand));
      return e;
    }
    return parse_compare();
  }

  Result<ExprPtr> parse_compare() {
    const Token& at = peek();
    GB_ASSIGN_OR_RETURN(ExprPtr first, parse_math1());
    ExprPtr cmp;
    for (;;) {
      std::string op;
      if (peek().kind == TokenKind::kOperator &&
          (peek().value == "==" || peek().value == "!=" || peek().value == "<" || peek().value == "<=" ||
           peek().value == ">" || peek().value == ">=")) {
        op = next().value;
      } else if (is_name("in")) {
        next();
        op = "in";
      } else if (is_name("not") && is_name("in", 1)) {
        next();
        next();
        op = "notin";
      } else {
        break;
      }
      if (!cmp) {
        cmp = make_expr(Expr::Kind::kCompare, at);
        cmp->children.push_back(std::move(first));
      }
      GB_ASSIGN_OR_RETURN(ExprPtr operand, parse_math1());
      cmp->ops.push_back(op);
      cmp->children.push_back(std::move(operand));
    }
    return cmp ? std::move(cmp) : std::move(first);
  }

  Result<ExprPtr> parse_math1() {
    GB_ASSIGN_OR_RETURN(ExprPtr left, parse_concat());
    while (is_op("+") || is_op("-")) {
      const Token& at = next();
      GB_ASSIGN_OR_RETURN(ExprPtr right, parse_concat());
      left = binary(at, at.value, std::move(left), std::move(right));
    }
    return left;
  }

  Result<ExprPtr> parse_concat() {
    GB_ASSIGN_OR_RETURN(ExprPtr left, parse_math2());
    while (is_op("~")) {
      const Token& at = next();
      GB_ASSIGN_OR_RETURN(ExprPtr right, parse_math2());
      left = binary(at, "~", std::move(left), std::move(right));
    }
    return left;
  }

  Result<ExprPtr> parse_math2() {
    GB_ASSIGN_OR_RETURN(ExprPtr left, parse_pow());
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const Token& at = next();
      GB_ASSIGN_OR_RETURN(ExprPtr right, parse_pow());
      left = binary(at, at.value, std::move(left), std::move(right));
    }
    return left;
  }

  Result<ExprPtr> parse_pow() {
    GB_ASSIGN_OR_RETURN(ExprPtr left, parse_unary(true));
    while (is_op("**")) {
      const Token& at = next();
      GB_ASSIGN_OR_RETURN(ExprPtr right, parse_unary(true));
      left = binary(at, "**", std::move(left), std::move(right));
    }
    return left;
  }

  Result<ExprPtr> parse_unary(bool with_filter) {
    DepthGuard guard(depth_);
    if (depth_ > kMaxDepth) return error(peek(), "expression nested too deeply");
    ExprPtr node;
    if (is_op("-") || is_op("+")) {
      const Token& at = next();
      node = make_expr(Expr::Kind::kUnary, at);
      node->name = at.value;
      GB_ASSIGN_OR_RETURN(ExprPtr operand, parse_unary(false));
      node->children.push_back(std::move(operand));
    } else {
      GB_ASSIGN_OR_RETURN(node, parse_primary());
    }
    GB_ASSIGN_OR_RETURN(node, parse_postfix(std::move(node)));
    if (with_filter) {
      GB_ASSIGN_OR_RETURN(node, parse_filter_expr(std::move(node)));
    }
    return node;
  }

  Result<ExprPtr> parse_primary() {
    const Token& t = peek();
    switch (t.kind) {
      case TokenKind::kName: {
        next();
        auto e = make_expr(Expr::Kind::kLiteral, t);
        if (t.value == "true" || t.value == "True") {
          e->literal = Value(true);
        } else if (t.value == "false" || t.value == "False") {
          e->literal = Value(false);
        } else if (t.value == "none" || t.value == "None") {
          e->literal = Value::none();
        } else {
          e->kind = Expr::Kind::kName;
          e->name = t.value;
        }
        return e;
      }
      case TokenKind::kString: {
        auto e = make_expr(Expr::Kind::kLiteral, t);
        std::string s;
        while (peek().kind == TokenKind::kString) s += next().value;
        e->literal = Value(std::move(s));
        return e;
      }
      case TokenKind::kInt: {
        next();
        auto e = make_expr(Expr::Kind::kLiteral, t);
        errno = 0;
        long long v = std::strtoll(t.value.c_str(), nullptr, 10);
        if (errno == ERANGE) {
          e->literal = Value(std::strtod(t.value.c_str(), nullptr));
        } else {
          e->literal = Value(static_cast<int64_t>(v));
        }
        return e;
      }
      case TokenKind::kFloat: {
        next();
        auto e = make_expr(Expr::Kind::kLiteral, t);
        e->literal = Value(std::strtod(t.value.c_str(), nullptr));
        return e;
      }
      case TokenKind::kOperator:
        if (t.value == "(") {
          next();
          if (skip_op(")")) return make_expr(Expr::Kind::kTuple, t);
          GB_ASSIGN_OR_RETURN(ExprPtr first, parse_expression());
          if (skip_op(")")) return first;
          auto tuple = make_expr(Expr::Kind::kTuple, t);
          tuple->children.push_back(std::move(first));
          while (skip_op(",")) {
            if (is_op(")")) break;
            GB_ASSIGN_OR_RETURN(ExprPtr item, parse_expression());
            tuple->children.push_back(std::move(item));
          }
          GB_RETURN_IF_ERROR(expect_op(")"));
          return tuple;
        }
        if (t.value == "[") {
          next();
          auto list = make_expr(Expr::Kind::kList, t);
          while (!skip_op("]")) {
            if (!list->children.empty()) GB_RETURN_IF_ERROR(expect_op(","));
            if (skip_op("]")) break;
            GB_ASSIGN_OR_RETURN(ExprPtr item, parse_expression());
            list->children.push_back(std::move(item));
          }
          return list;
        }
        if (t.value == "{") {
          next();
          auto dict = make_expr(Expr::Kind::kDict, t);
          while (!skip_op("}")) {
            if (!dict->children.empty()) GB_RETURN_IF_ERROR(expect_op(","));
            if (skip_op("}")) break;
            GB_ASSIGN_OR_RETURN(ExprPtr key, parse_expression());
            GB_RETURN_IF_ERROR(expect_op(":"));
            GB_ASSIGN_OR_RETURN(ExprPtr value, parse_expression());
            dict->children.push_back(std::move(key));
            dict->children.push_back(std::move(value));
          }
          return dict;
        }
        break;
      default:
        break;
    }
    return unexpected("an expression");
  }

  Result<ExprPtr> parse_postfix(ExprPtr node) {
    for (;;) {
      if (is_op(".")) {
        const Token& at = next();
        auto e = make_expr(Expr::Kind::kGetAttr, at);
        if (peek().kind == TokenKind::kName) {
          e->name = next().value;
        } else if (peek().kind == TokenKind::kInt) {
          e->kind = Expr::Kind::kGetItem;
          auto index = make_expr(Expr::Kind::kLiteral, peek());
          index->literal = Value(static_cast<int64_t>(std::strtoll(next().value.c_str(), nullptr, 10)));
          e->children.push_back(std::move(node));
          e->children.push_back(std::move(index));
          node = std::move(e);
          continue;
        } else {
          return unexpected("an attribute name");
        }
        e->children.push_back(std::move(node));
        node = std::move(e);
      } else if (is_op("[")) {
        GB_ASSIGN_OR_RETURN(node, parse_subscript(std::move(node)));
      } else if (is_op("(")) {
        GB_ASSIGN_OR_RETURN(node, parse_call(std::move(node)));
      } else {
        return node;
      }
    }
  }

  Result<ExprPtr> parse_subscript(ExprPtr node) {
    const Token& at = next();  // [
    ExprPtr parts[3];
    bool is_slice = false;
    int part = 0;
    for (;;) {
      if (is_op(":")) {
        next();
        is_slice = true;
        if (++part > 2) return unexpected("']'");
        continue;
      }
      if (is_op("]")) break;
      if (parts[part]) return unexpected("':' or ']'");
      GB_ASSIGN_OR_RETURN(parts[part], parse_expression());
      if (!is_slice && is_op(",")) {  // a[1, 2] indexes with a tuple
        auto tuple = make_expr(Expr::Kind::kTuple, at);
        tuple->children.push_back(std::move(parts[0]));
        while (skip_op(",")) {
          if (is_op("]")) break;
          GB_ASSIGN_OR_RETURN(ExprPtr item, parse_expression());
          tuple->children.push_back(std::move(item));
        }
        parts[0] = std::move(tuple);
      }
    }
    next();  // ]
    if (!is_slice) {
      if (!parts[0]) parts[0] = make_expr(Expr::Kind::kTuple, at);  // `x[]` indexes with ()
      auto e = make_expr(Expr::Kind::kGetItem, at);
      e->children.push_back(std::move(node));
      e->children.push_back(std::move(parts[0]));
      return e;
    }
    auto e = make_expr(Expr::Kind::kSlice, at);
    e->children.push_back(std::move(node));
    for (auto& p : parts) e->children.push_back(std::move(p));
    return e;
  }

  Status parse_call_args(Expr& call) {
    GB_RETURN_IF_ERROR(expect_op("("));
    bool first = true;
    while (!skip_op(")")) {
      if (!first) GB_RETURN_IF_ERROR(expect_op(","));
      first = false;
      if (skip_op(")")) break;
      if (is_op("*") || is_op("**")) return error(peek(), "*args and **kwargs in calls are not supported");
      if (peek().kind == TokenKind::kName && is_op("=", 1)) {
        std::string key = next().value;
        next();
        GB_ASSIGN_OR_RETURN(ExprPtr value, parse_expression());
        call.kwargs.emplace_back(key, std::move(value));
      } else {
        if (!call.kwargs.empty()) return error(peek(), "positional argument after keyword argument");
        GB_ASSIGN_OR_RETURN(ExprPtr value, parse_expression());
        call.children.push_back(std::move(value));
      }
    }
    return ok_status();
  }

  Result<ExprPtr> parse_call(ExprPtr callee) {
    auto e = make_expr(Expr::Kind::kCall, peek());
    e->children.push_back(std::move(callee));
    GB_RETURN_IF_ERROR(parse_call_args(*e));
    return e;
  }

  // `| name(args) | name2` applied to `input` (null inside filter blocks and block sets).
  Result<ExprPtr> parse_filter_chain(ExprPtr input, bool leading_pipe = true) {
    bool first = true;
    while ((first && !leading_pipe) || is_op("|")) {
      if (!(first && !leading_pipe)) next();
      first = false;
      const Token& at = peek();
      GB_ASSIGN_OR_RETURN(std::string name, expect_name());
      while (is_op(".") && peek(1).kind == TokenKind::kName) {
        next();
        name += "." + next().value;
      }
      auto f = make_expr(Expr::Kind::kFilter, at);
      f->name = name;
      f->children.push_back(std::move(input));
      if (is_op("(")) GB_RETURN_IF_ERROR(parse_call_args(*f));
      input = std::move(f);
    }
    return input;
  }

  Result<ExprPtr> parse_filter_expr(ExprPtr node) {
    for (;;) {
      if (is_op("|")) {
        GB_ASSIGN_OR_RETURN(node, parse_filter_chain(std::move(node)));
      } else if (is_name("is")) {
        const Token& at = next();
        auto test = make_expr(Expr::Kind::kTest, at);
        test->negated = skip_name("not");
        GB_ASSIGN_OR_RETURN(test->name, expect_name());
        while (is_op(".") && peek(1).kind == TokenKind::kName) {
          next();
          test->name += "." + next().value;
        }
        test->children.push_back(std::move(node));
        const Token& t = peek();
        if (is_name("is")) return error(t, "You cannot chain multiple tests with is");
        if (is_op("(")) {
          GB_RETURN_IF_ERROR(parse_call_args(*test));
        } else if ((t.kind == TokenKind::kName && t.value != "else" && t.value != "or" && t.value != "and") ||
                   t.kind == TokenKind::kString || t.kind == TokenKind::kInt || t.kind == TokenKind::kFloat ||
                   is_op("[") || is_op("{")) {
          GB_ASSIGN_OR_RETURN(ExprPtr arg, parse_primary());
          GB_ASSIGN_OR_RETURN(arg, parse_postfix(std::move(arg)));
          test->children.push_back(std::move(arg));
        }
        node = std::move(test);
      } else if (is_op("(")) {
        GB_ASSIGN_OR_RETURN(node, parse_call(std::move(node)));
      } else {
        return node;
      }
    }
  }

  const std::vector<Token>& toks_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace

Result<NodeList> parse_template(const std::vector<Token>& tokens) {
  if (tokens.empty()) return NodeList{};
  Parser parser(tokens);
  return parser.parse_all();
}

}  // namespace glassbox::chat
