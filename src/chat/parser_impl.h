// ParserImpl: the recursive-descent parser behind parser.h, shared by the statement and expression halves.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "chat/ast.h"
#include "chat/lexer.h"

namespace glassbox::chat::parser_detail {

// Nesting limit for blocks and expressions: deeper input is an error, not a stack overflow.
constexpr int kMaxDepth = 200;

const char* kind_name(TokenKind kind);

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

  // ---- statements (parser.cc) ----
  // Parses nodes until a block tag whose name is in `ends` (the name is consumed, the rest of the tag is not).
  Result<NodeList> parse_body(const std::vector<std::string>& ends, std::string* found_end);
  Result<NodePtr> parse_statement(const std::vector<std::string>& ends);
  Result<NodePtr> parse_if(const Token& at);
  Result<std::vector<std::string>> parse_targets();
  Result<NodePtr> parse_for(const Token& at);
  Result<NodePtr> parse_set(const Token& at);
  Result<std::vector<MacroParam>> parse_params();
  Result<NodePtr> parse_macro(const Token& at);
  Result<NodePtr> parse_call_block(const Token& at);
  Result<NodePtr> parse_filter_block(const Token& at);

  // ---- expressions (expression_parser.cc) ----
  // A comma-separated list at statement level becomes a tuple: `{{ a, b }}`, `{% set x = 1, 2 %}`.
  Result<ExprPtr> parse_tuple(bool with_condexpr, bool stop_at_if = false);
  Result<ExprPtr> parse_expression();
  ExprPtr binary(const Token& at, const std::string& op, ExprPtr left, ExprPtr right);
  Result<ExprPtr> parse_or();
  Result<ExprPtr> parse_and();
  Result<ExprPtr> parse_not();
  Result<ExprPtr> parse_compare();
  Result<ExprPtr> parse_math1();
  Result<ExprPtr> parse_concat();
  Result<ExprPtr> parse_math2();
  Result<ExprPtr> parse_pow();
  Result<ExprPtr> parse_unary(bool with_filter);
  Result<ExprPtr> parse_primary();
  Result<ExprPtr> parse_postfix(ExprPtr node);
  Result<ExprPtr> parse_subscript(ExprPtr node);
  Status parse_call_args(Expr& call);
  Result<ExprPtr> parse_call(ExprPtr callee);
  // `| name(args) | name2` applied to `input` (null inside filter blocks and block sets).
  Result<ExprPtr> parse_filter_chain(ExprPtr input, bool leading_pipe = true);
  Result<ExprPtr> parse_filter_expr(ExprPtr node);

  const std::vector<Token>& toks_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace glassbox::chat::parser_detail
