// ExpressionParser: Jinja2's expression grammar, lowest precedence first: conditional, or, and, not,
// comparisons, + -, ~, * / // %, **, unary, primary with postfix lookups, filters and tests.
#include <cerrno>
#include <cstdlib>

#include "chat/parser_impl.h"

namespace glassbox::chat::parser_detail {

// A comma-separated list at statement level becomes a tuple: `{{ a, b }}`, `{% set x = 1, 2 %}`.
Result<ExprPtr> Parser::parse_tuple(bool with_condexpr, bool stop_at_if) {
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

Result<ExprPtr> Parser::parse_expression() {
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

ExprPtr Parser::binary(const Token& at, const std::string& op, ExprPtr left, ExprPtr right) {
  auto e = make_expr(Expr::Kind::kBinary, at);
  e->name = op;
  e->children.push_back(std::move(left));
  e->children.push_back(std::move(right));
  return e;
}

Result<ExprPtr> Parser::parse_or() {
  GB_ASSIGN_OR_RETURN(ExprPtr left, parse_and());
  while (is_name("or")) {
    const Token& at = next();
    GB_ASSIGN_OR_RETURN(ExprPtr right, parse_and());
    left = binary(at, "or", std::move(left), std::move(right));
  }
  return left;
}

Result<ExprPtr> Parser::parse_and() {
  GB_ASSIGN_OR_RETURN(ExprPtr left, parse_not());
  while (is_name("and")) {
    const Token& at = next();
    GB_ASSIGN_OR_RETURN(ExprPtr right, parse_not());
    left = binary(at, "and", std::move(left), std::move(right));
  }
  return left;
}

Result<ExprPtr> Parser::parse_not() {
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

Result<ExprPtr> Parser::parse_compare() {
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

Result<ExprPtr> Parser::parse_math1() {
  GB_ASSIGN_OR_RETURN(ExprPtr left, parse_concat());
  while (is_op("+") || is_op("-")) {
    const Token& at = next();
    GB_ASSIGN_OR_RETURN(ExprPtr right, parse_concat());
    left = binary(at, at.value, std::move(left), std::move(right));
  }
  return left;
}

Result<ExprPtr> Parser::parse_concat() {
  GB_ASSIGN_OR_RETURN(ExprPtr left, parse_math2());
  while (is_op("~")) {
    const Token& at = next();
    GB_ASSIGN_OR_RETURN(ExprPtr right, parse_math2());
    left = binary(at, "~", std::move(left), std::move(right));
  }
  return left;
}

Result<ExprPtr> Parser::parse_math2() {
  GB_ASSIGN_OR_RETURN(ExprPtr left, parse_pow());
  while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
    const Token& at = next();
    GB_ASSIGN_OR_RETURN(ExprPtr right, parse_pow());
    left = binary(at, at.value, std::move(left), std::move(right));
  }
  return left;
}

Result<ExprPtr> Parser::parse_pow() {
  GB_ASSIGN_OR_RETURN(ExprPtr left, parse_unary(true));
  while (is_op("**")) {
    const Token& at = next();
    GB_ASSIGN_OR_RETURN(ExprPtr right, parse_unary(true));
    left = binary(at, "**", std::move(left), std::move(right));
  }
  return left;
}

Result<ExprPtr> Parser::parse_unary(bool with_filter) {
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

Result<ExprPtr> Parser::parse_primary() {
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

Result<ExprPtr> Parser::parse_postfix(ExprPtr node) {
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

Result<ExprPtr> Parser::parse_subscript(ExprPtr node) {
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

Status Parser::parse_call_args(Expr& call) {
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

Result<ExprPtr> Parser::parse_call(ExprPtr callee) {
  auto e = make_expr(Expr::Kind::kCall, peek());
  e->children.push_back(std::move(callee));
  GB_RETURN_IF_ERROR(parse_call_args(*e));
  return e;
}

// `| name(args) | name2` applied to `input` (null inside filter blocks and block sets).
Result<ExprPtr> Parser::parse_filter_chain(ExprPtr input, bool leading_pipe) {
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

Result<ExprPtr> Parser::parse_filter_expr(ExprPtr node) {
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

}  // namespace glassbox::chat::parser_detail
