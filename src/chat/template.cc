// Template: lexer + parser at parse time, interpreter at render time.
#include "chat/template.h"

#include "chat/parser.h"

namespace glassbox::chat {

Result<Template> Template::parse(std::string_view source, const LexerOptions& options) {
  GB_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize(source, options));
  GB_ASSIGN_OR_RETURN(NodeList nodes, parse_template(tokens));
  Template t;
  t.nodes_ = std::make_shared<const NodeList>(std::move(nodes));
  return t;
}

Result<std::string> Template::render(const Value& context, const RenderLimits& limits) const {
  if (!nodes_) return internal_error("render of an unparsed template");
  return render_nodes(*nodes_, context, limits);
}

}  // namespace glassbox::chat
