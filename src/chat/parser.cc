// Parser: statement tags (if, for, set, macro, call, filter...) and the entry point; expressions are in
// expression_parser.cc.
#include "chat/parser.h"

#include "chat/parser_impl.h"

namespace glassbox::chat {
namespace parser_detail {

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

// Parses nodes until a block tag whose name is in `ends` (the name is consumed, the rest of the tag is not).
Result<NodeList> Parser::parse_body(const std::vector<std::string>& ends, std::string* found_end) {
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

Result<NodePtr> Parser::parse_statement(const std::vector<std::string>& ends) {
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

Result<NodePtr> Parser::parse_if(const Token& at) {
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

Result<std::vector<std::string>> Parser::parse_targets() {
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

Result<NodePtr> Parser::parse_for(const Token& at) {
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

Result<NodePtr> Parser::parse_set(const Token& at) {
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

Result<std::vector<MacroParam>> Parser::parse_params() {
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

Result<NodePtr> Parser::parse_macro(const Token& at) {
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

Result<NodePtr> Parser::parse_call_block(const Token& at) {
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

Result<NodePtr> Parser::parse_filter_block(const Token& at) {
  auto n = make_node(Node::Kind::kFilterBlock, at);
  GB_ASSIGN_OR_RETURN(n->expr, parse_filter_chain(nullptr, /*leading_pipe=*/false));
  GB_RETURN_IF_ERROR(expect_block_end());
  std::string end;
  GB_ASSIGN_OR_RETURN(n->body, parse_body({"endfilter"}, &end));
  GB_RETURN_IF_ERROR(expect_block_end());
  return n;
}

}  // namespace parser_detail

Result<NodeList> parse_template(const std::vector<Token>& tokens) {
  if (tokens.empty()) return NodeList{};
  parser_detail::Parser parser(tokens);
  return parser.parse_all();
}

}  // namespace glassbox::chat
