// Template: lexer + parser at parse time, interpreter at render time.
#include "chat/template.h"

#include "chat/filters.h"
#include "chat/frames.h"
#include "chat/parser.h"
#include "chat/predicates.h"

namespace glassbox::chat {
namespace {

// Jinja2 checks filter and test names at compile time, except inside `if` statements and inline if
// expressions ("soft" frames), where an unknown name fails only when it runs.
Status check_names(const Expr* e) {
  if (!e || e->kind == Expr::Kind::kCondExpr) return ok_status();
  if (e->kind == Expr::Kind::kFilter && !is_known_filter(e->name)) {
    return invalid_argument(str_format("template syntax error at line %d, column %d: No filter named '%s'.",
                                       e->line, e->column, e->name.c_str()));
  }
  if (e->kind == Expr::Kind::kTest && !is_known_test(e->name)) {
    return invalid_argument(str_format("template syntax error at line %d, column %d: No test named '%s'.",
                                       e->line, e->column, e->name.c_str()));
  }
  for (const auto& c : e->children) GB_RETURN_IF_ERROR(check_names(c.get()));
  for (const auto& kw : e->kwargs) GB_RETURN_IF_ERROR(check_names(kw.second.get()));
  return ok_status();
}

bool is_context_filter(const std::string& name) {
  return name == "map" || name == "select" || name == "reject" || name == "selectattr" || name == "rejectattr";
}

// Marks the expressions Jinja2's optimizer can evaluate at compile time: literals, and operators, lookups,
// pure filters and tests over them (not names, calls, or context filters).
bool mark_constants(Expr* e) {
  if (!e) return true;
  bool all = true;
  for (auto& c : e->children) all &= mark_constants(c.get());
  for (auto& kw : e->kwargs) all &= mark_constants(kw.second.get());
  switch (e->kind) {
    case Expr::Kind::kName:
    case Expr::Kind::kCall:
      e->constant = false;
      break;
    case Expr::Kind::kFilter:
      e->constant = all && e->children[0] && !is_context_filter(e->name);
      break;
    case Expr::Kind::kBinary:
      // `and`/`or` fold when the left side decides; the interpreter finds out by trying.
      e->constant = (e->name == "and" || e->name == "or") ? e->children[0]->constant : all;
      break;
    case Expr::Kind::kCondExpr:
      e->constant = e->children[0]->constant;  // folds when the taken branch is constant
      break;
    default:
      e->constant = all;
  }
  return e->constant;
}

void find_names(const Expr* e, Node& macro) {
  if (!e) return;
  if (e->kind == Expr::Kind::kName) {
    macro.uses_caller |= e->name == "caller";
    macro.uses_kwargs |= e->name == "kwargs";
    macro.uses_varargs |= e->name == "varargs";
  }
  for (const auto& c : e->children) find_names(c.get(), macro);
  for (const auto& kw : e->kwargs) find_names(kw.second.get(), macro);
}

void find_names(const NodeList& nodes, Node& macro) {
  for (const auto& n : nodes) {
    find_names(n->expr.get(), macro);
    find_names(n->condition.get(), macro);
    for (const auto& c : n->conditions) find_names(c.get(), macro);
    for (const auto& v : n->values) find_names(v.get(), macro);
    for (const auto& p : n->params) find_names(p.default_value.get(), macro);
    for (const auto& b : n->bodies) find_names(b, macro);
    find_names(n->body, macro);
    find_names(n->else_body, macro);
  }
}

void mark_constants(NodeList& nodes) {
  for (auto& n : nodes) {
    mark_constants(n->expr.get());
    mark_constants(n->condition.get());
    for (auto& c : n->conditions) mark_constants(c.get());
    for (auto& v : n->values) mark_constants(v.get());
    for (auto& p : n->params) mark_constants(p.default_value.get());
    for (auto& b : n->bodies) mark_constants(b);
    mark_constants(n->body);
    mark_constants(n->else_body);
    if (n->kind == Node::Kind::kMacro || n->kind == Node::Kind::kCallBlock) {
      find_names(n->body, *n);
      for (const auto& p : n->params) find_names(p.default_value.get(), *n);
    }
  }
}

Status check_names(const NodeList& nodes) {
  for (const auto& n : nodes) {
    if (n->kind == Node::Kind::kIf) continue;
    GB_RETURN_IF_ERROR(check_names(n->expr.get()));
    GB_RETURN_IF_ERROR(check_names(n->condition.get()));
    for (const auto& c : n->conditions) GB_RETURN_IF_ERROR(check_names(c.get()));
    for (const auto& v : n->values) GB_RETURN_IF_ERROR(check_names(v.get()));
    for (const auto& p : n->params) GB_RETURN_IF_ERROR(check_names(p.default_value.get()));
    for (const auto& b : n->bodies) GB_RETURN_IF_ERROR(check_names(b));
    GB_RETURN_IF_ERROR(check_names(n->body));
    GB_RETURN_IF_ERROR(check_names(n->else_body));
  }
  return ok_status();
}

}  // namespace

Result<Template> Template::parse(std::string_view source, const LexerOptions& options) {
  GB_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize(source, options));
  GB_ASSIGN_OR_RETURN(NodeList nodes, parse_template(tokens));
  GB_RETURN_IF_ERROR(check_names(nodes));
  mark_constants(nodes);
  Template t;
  t.root_undefined_ = analyze_frames(nodes);
  t.nodes_ = std::make_shared<const NodeList>(std::move(nodes));
  return t;
}

Result<std::string> Template::render(const Value& context, const RenderLimits& limits) const {
  if (!nodes_) return internal_error("render of an unparsed template");
  return render_nodes(*nodes_, root_undefined_, context, limits);
}

}  // namespace glassbox::chat
