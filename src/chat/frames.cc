// Frames: a transcription of the rules of Jinja2's idtracking (loads, stores, branch merging) over our tree.
#include "chat/frames.h"

#include <map>

namespace glassbox::chat {
namespace {

enum class Ref { kResolve, kUndefined, kAlias, kParameter };

struct Symbols {
  const Symbols* parent = nullptr;
  std::map<std::string, Ref> refs;
  std::vector<std::string> stores;

  bool find(const std::string& name) const {
    for (const Symbols* s = this; s; s = s->parent) {
      if (s->refs.count(name)) return true;
    }
    return false;
  }
  void load(const std::string& name) {
    if (!find(name)) refs[name] = Ref::kResolve;
  }
  void store(const std::string& name) {
    bool seen = false;
    for (const auto& s : stores) seen |= s == name;
    if (!seen) stores.push_back(name);
    if (refs.count(name)) return;
    refs[name] = (parent && parent->find(name)) ? Ref::kAlias : Ref::kUndefined;
  }
  void declare(const std::string& name) { refs[name] = Ref::kParameter; }
};

void visit_expr(const Expr* e, Symbols& s) {
  if (!e) return;
  if (e->kind == Expr::Kind::kName) s.load(e->name);
  for (const auto& c : e->children) visit_expr(c.get(), s);
  for (const auto& kw : e->kwargs) visit_expr(kw.second.get(), s);
}

void visit_nodes(const NodeList& nodes, Symbols& s);

// One statement as seen from the frame it sits in; bodies that are frames of their own are skipped here.
void visit_node(const Node& n, Symbols& s) {
  switch (n.kind) {
    case Node::Kind::kText:
    case Node::Kind::kBreak:
    case Node::Kind::kContinue:
      return;
    case Node::Kind::kOutput:
      visit_expr(n.expr.get(), s);
      return;
    case Node::Kind::kIf: {
      // Jinja2 visits the first test, then body / elifs / else as three branches and merges them: a name
      // stored in only some branches resolves from outside instead of starting undefined.
      visit_expr(n.conditions[0].get(), s);
      std::vector<Symbols> branches(3);
      for (auto& b : branches) b = s;
      visit_nodes(n.bodies[0], branches[0]);
      for (size_t i = 1; i < n.conditions.size(); ++i) {
        visit_expr(n.conditions[i].get(), branches[1]);
        visit_nodes(n.bodies[i], branches[1]);
      }
      if (n.bodies.size() > n.conditions.size()) visit_nodes(n.bodies.back(), branches[2]);
      std::map<std::string, int> stored_in;
      for (const auto& b : branches) {
        for (const auto& name : b.stores) {
          bool before = false;
          for (const auto& st : s.stores) before |= st == name;
          if (!before) ++stored_in[name];
        }
      }
      for (const auto& b : branches) {
        for (const auto& [name, ref] : b.refs) {
          if (!s.refs.count(name)) s.refs[name] = ref;
        }
        for (const auto& name : b.stores) {
          bool seen = false;
          for (const auto& st : s.stores) seen |= st == name;
          if (!seen) s.stores.push_back(name);
        }
      }
      for (const auto& [name, count] : stored_in) {
        if (count == 3) continue;
        s.refs[name] = (s.parent && s.parent->find(name)) ? Ref::kAlias : Ref::kResolve;
      }
      return;
    }
    case Node::Kind::kFor:
      visit_expr(n.expr.get(), s);
      return;
    case Node::Kind::kSet:
      visit_expr(n.expr.get(), s);
      if (!n.attr.empty()) {
        s.load(n.targets[0]);  // ns.attr = ... reads ns
      } else {
        for (const auto& t : n.targets) s.store(t);
      }
      return;
    case Node::Kind::kSetBlock:
      s.store(n.targets[0]);
      return;
    case Node::Kind::kMacro:
      s.store(n.targets[0]);
      return;
    case Node::Kind::kCallBlock:
      visit_expr(n.expr.get(), s);
      return;
    case Node::Kind::kFilterBlock:
      visit_expr(n.expr.get(), s);
      return;
    case Node::Kind::kScope:
      for (const auto& v : n.values) visit_expr(v.get(), s);
      return;
  }
}

void visit_nodes(const NodeList& nodes, Symbols& s) {
  for (const auto& n : nodes) visit_node(*n, s);
}

std::vector<std::string> undefined_names(const Symbols& s) {
  std::vector<std::string> out;
  for (const auto& [name, ref] : s.refs) {
    if (ref == Ref::kUndefined) out.push_back(name);
  }
  return out;
}

void analyze_children(NodeList& nodes, const Symbols& frame);

// Analyzes `body` as a frame below `parent` (with `declared` names as its parameters), then its children.
std::vector<std::string> analyze_frame(NodeList& body, const Symbols* parent,
                                       const std::vector<std::string>& declared, const Expr* extra = nullptr) {
  Symbols s;
  s.parent = parent;
  for (const auto& d : declared) s.declare(d);
  visit_expr(extra, s);
  visit_nodes(body, s);
  analyze_children(body, s);
  return undefined_names(s);
}

// Every frame nested in `nodes` (which belong to `frame`), including those inside if-branches.
void analyze_children(NodeList& nodes, const Symbols& frame) {
  for (auto& n : nodes) {
    switch (n->kind) {
      case Node::Kind::kIf:
        for (auto& b : n->bodies) analyze_children(b, frame);
        break;
      case Node::Kind::kFor: {
        std::vector<std::string> declared = n->targets;
        declared.push_back("loop");
        n->frame_undefined = analyze_frame(n->body, &frame, declared, n->condition.get());
        n->else_undefined = analyze_frame(n->else_body, &frame, {});
        break;
      }
      case Node::Kind::kMacro:
      case Node::Kind::kCallBlock: {
        std::vector<std::string> declared;
        for (const auto& p : n->params) declared.push_back(p.name);
        if (n->uses_caller) declared.push_back("caller");
        if (n->uses_kwargs) declared.push_back("kwargs");
        if (n->uses_varargs) declared.push_back("varargs");
        n->frame_undefined = analyze_frame(n->body, &frame, declared);
        break;
      }
      case Node::Kind::kSetBlock:
      case Node::Kind::kFilterBlock:
        n->frame_undefined = analyze_frame(n->body, &frame, {});
        break;
      case Node::Kind::kScope:
        n->frame_undefined = analyze_frame(n->body, &frame, n->targets);
        break;
      default:
        break;
    }
  }
}

}  // namespace

std::vector<std::string> analyze_frames(NodeList& root) { return analyze_frame(root, nullptr, {}); }

}  // namespace glassbox::chat
