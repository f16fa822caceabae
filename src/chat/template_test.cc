// Template tests: expressions, filters, loops, macros, whitespace control and errors, against outputs that
// Python's Jinja2 (configured as transformers does) produced for the same sources.
#include "chat/template.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "chat/chat_template.h"

namespace glassbox::chat {
namespace {

struct Case {
  const char* name;
  const char* source;
  const char* context_json;
  const char* expected;  // the output, or the error message for kErrorCases
};

Result<std::string> render(const std::string& source, const std::string& context_json) {
  GB_ASSIGN_OR_RETURN(Template t, Template::parse(source));
  return t.render(value_from_json(nlohmann::ordered_json::parse(context_json)));
}

const Case kCases[] = {
    {"PrintsPythonScalars", R"__({{ 1 }} {{ 1.0 }} {{ 0.5 }} {{ 1e20 }} {{ 1e-5 }} {{ true }} {{ none }} {{ 'x' }}|{{ undefined_name }}|)__",
     R"__({})__",
     R"__(1 1.0 0.5 1e+20 1e-05 True None x||)__"},
    {"PrintsPythonContainers", R"__({{ [1, 'a', none, true, 2.5] }} {{ {'a': 1, 'b': [1, 2]} }} {{ (1,) }} {{ () }} {{ ['it\'s', 'q"'] }})__",
     R"__({})__",
     R"__([1, 'a', None, True, 2.5] {'a': 1, 'b': [1, 2]} (1,) () ["it's", 'q"'])__"},
    {"ArithmeticFollowsPython", R"__({{ 7 // 2 }} {{ -7 // 2 }} {{ 7 / 2 }} {{ 4 / 2 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 1 + 2.0 }} {{ 'ab' * 3 }} {{ [1] + [2] }} {{ 'a' ~ 1 ~ none }})__",
     R"__({})__",
     R"__(3 -4 3.5 2.0 2 1024 3.0 ababab [1, 2] a1None)__"},
    {"ComparisonsAndMembership", R"__({{ 1 == 1.0 }} {{ 1 < 2 < 3 }} {{ 'b' in 'abc' }} {{ 2 not in [1, 3] }} {{ 'k' in {'k': 1} }} {{ not false }})__",
     R"__({})__",
     R"__(True True True True True True)__"},
    {"AndOrReturnOperands", R"__({{ 0 or 'fallback' }} {{ 'x' and 'y' }} {{ none or [] }} {{ 'a' if false else 'b' }} [{{ 'a' if false }}])__",
     R"__({})__",
     R"__(fallback y [] b [])__"},
    {"SlicesAndIndexes", R"__({{ 'hello'[::-1] }} {{ [1,2,3,4][1:3] }} {{ [1,2,3][-1] }} {{ 'héllo'[1] }} {{ 'abcdef'[::2] }} {{ [1,2,3][5:] }})__",
     R"__({})__",
     R"__(olleh [2, 3] 3 é ace [])__"},
    {"ForLoopVariables", R"__({% for x in ['a','b','c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.previtem }}{{ loop.nextitem }}{{ loop.cycle('o','e') }};{% endfor %})__",
     R"__({})__",
     R"__(103TrueFalse3bo;212FalseFalse3ace;321FalseTrue3bo;)__"},
    {"ForLoopFilterElseAndUnpacking", R"__({% for k, v in d.items() if v > 1 %}{{ k }}={{ v }},{% else %}none{% endfor %}|{% for x in [] %}x{% else %}empty{% endfor %})__",
     R"__({"d": {"a": 1, "b": 2, "c": 3}})__",
     R"__(b=2,c=3,|empty)__"},
    {"LoopControls", R"__({% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %})__",
     R"__({})__",
     R"__(0134)__"},
    {"SetInsideLoopDoesNotLeak", R"__({% set c = 0 %}{% for i in range(3) %}{% set c = c + 1 %}{{ c }}{% endfor %}{{ c }})__",
     R"__({})__",
     R"__(1110)__"},
    {"NamespaceCarriesStateAcrossIterations", R"__({% set ns = namespace(total=0, seen=[]) %}{% for i in range(4) %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }} {{ ns }})__",
     R"__({})__",
     R"__(6 <Namespace {'total': 6, 'seen': []}>)__"},
    {"BlockSetWithFilter", R"__({% set x | upper %}  abc {{ 1 }}  {% endset %}[{{ x }}]{% set y %}plain{% endset %}[{{ y }}])__",
     R"__({})__",
     R"__([  ABC 1  ][plain])__"},
    {"MacrosWithDefaultsAndCaller", R"__({% macro m(a, b=2, c='z') %}{{ a }}-{{ b }}-{{ c }}{% endmacro %}{{ m(1) }} {{ m(1, 3) }} {{ m(1, c='q') }}{% macro w() %}<{{ caller() }}>{% endmacro %} {% call w() %}inner{% endcall %})__",
     R"__({})__",
     R"__(1-2-z 1-3-z 1-2-q <inner>)__"},
    {"FilterBlock", R"__({% filter upper %}shout {{ 'this' }}{% endfilter %})__",
     R"__({})__",
     R"__(SHOUT THIS)__"},
    {"WhitespaceControl", R"__(a  {%- if true -%}  b  {%- endif -%}  c
  {{- ' d ' -}}  
e)__",
     R"__({})__",
     R"__(abc d e)__"},
    {"TrimAndLstripBlocks", R"__(<ul>
    {% for x in [1, 2] %}
    <li>{{ x }}</li>
    {% endfor %}
</ul>
  {# comment #}
end
)__",
     R"__({})__",
     R"__(<ul>
    <li>1</li>
    <li>2</li>
</ul>
end)__"},
    {"PlusDisablesLstrip", R"__(x
    {%+ if true %}y{% endif %}
)__",
     R"__({})__",
     R"__(x
    y)__"},
    {"StringFilters", R"__({{ '  hi  '|trim }}|{{ 'Hello World'|lower }}|{{ 'hello world'|title }}|{{ 'hELLO'|capitalize }}|{{ 'a-b-a'|replace('a', 'x') }}|{{ 'one two  three'|wordcount }}|{{ 'x'|center(5) }}|)__",
     R"__({})__",
     R"__(hi|hello world|Hello World|Hello|x-b-x|3|  x  |)__"},
    {"SequenceFilters", R"__({{ [3,1,2]|sort }} {{ [3,1,2]|sort(reverse=true)|first }} {{ [1,2,3]|last }} {{ ['B','a','b']|unique|list }} {{ [1,2,3]|sum }} {{ [1,2,3,4,5]|batch(2)|list }} {{ [1,2]|reverse|list }} {{ [4,9]|max }} {{ {'b':1,'a':2}|dictsort }})__",
     R"__({})__",
     R"__([1, 2, 3] 3 3 ['B', 'a'] 6 [[1, 2], [3, 4], [5]] [2, 1] 9 [('a', 2), ('b', 1)])__"},
    {"SelectRejectMap", R"__({{ [1,2,3,4]|select('odd')|list }} {{ [1,2,3,4]|reject('even')|list }} {{ users|selectattr('admin')|map(attribute='name')|join(', ') }} {{ users|rejectattr('admin')|map(attribute='name')|list }} {{ users|selectattr('name', 'equalto', 'bo')|list|length }} {{ ['a','b']|map('upper')|join }})__",
     R"__({"users": [{"name": "al", "admin": true}, {"name": "bo", "admin": false}]})__",
     R"__([1, 3] [1, 3] al ['bo'] 1 AB)__"},
    {"DefaultAndConversions", R"__({{ missing|default('d') }} {{ ''|default('e', true) }} {{ none|d('n') }} {{ '42'|int + 1 }} {{ '3.5'|float }} {{ 'x'|int }} {{ 3|string }} {{ 2.5|round }} {{ 3.14159|round(2) }} {{ -3|abs }} {{ 'ab'|list }} {{ {'a':1}|items|list }})__",
     R"__({})__",
     R"__(d e None 43 3.5 0 3 2.0 3.14 3 ['a', 'b'] [('a', 1)])__"},
    {"ToJsonMatchesTransformers", R"__({{ d|tojson }}|{{ d|tojson(indent=2) }}|{{ d|tojson(sort_keys=true) }}|{{ 'é<'|tojson }}|{{ [1.0, none, true]|tojson }})__",
     R"__({"d": {"b": [1, {"c": "x\ny"}], "a": "\u00e9\"q\""}})__",
     R"__({"b": [1, {"c": "x\ny"}], "a": "é\"q\""}|{
  "b": [
    1,
    {
      "c": "x\ny"
    }
  ],
  "a": "é\"q\""
}|{"a": "é\"q\"", "b": [1, {"c": "x\ny"}]}|"é<"|[1.0, null, true])__"},
    {"IndentFilter", R"__({{ 'a
b

c'|indent(2) }}|{{ 'x
y'|indent(2, first=true) }}|{{ 'a

b'|indent(width='> ', blank=true) }})__",
     R"__({})__",
     R"__(a
  b

  c|  x
  y|a
> 
> b)__"},
    {"Tests", R"__({{ x is defined }} {{ y is undefined }} {{ none is none }} {{ 1 is number }} {{ 'a' is string }} {{ {} is mapping }} {{ [] is iterable }} {{ 3 is odd }} {{ 4 is divisibleby 2 }} {{ 1 is integer }} {{ 1.0 is float }} {{ true is boolean }} {{ 2 is eq 2 }} {{ 'a' is in 'abc' }} {{ 'A' is upper }})__",
     R"__({"x": 1})__",
     R"__(True True True True True True True True True True True True True True True)__"},
    {"StringMethods", R"__({{ ' a b '.strip() }}|{{ 'a,b,c'.split(',') }}|{{ 'a b  c'.split() }}|{{ 'x.y.z'.split('.', 1) }}|{{ 'abc'.startswith('ab') }}|{{ 'abc'.endswith(('x', 'c')) }}|{{ 'aXa'.replace('a', 'b') }}|{{ 'ab'.upper() }}|{{ '{} and {}'.format(1, 'two') }}|{{ 'xxhixx'.lstrip('x') }}|{{ ', '.join(['a', 'b']) }})__",
     R"__({})__",
     R"__(a b|['a', 'b', 'c']|['a', 'b', 'c']|['x', 'y.z']|True|True|bXb|AB|1 and two|hixx|a, b)__"},
    {"DictMethodsAndAttributeFallback", R"__({{ d.get('a') }} {{ d.get('zz', 'dflt') }} {{ d.get('zz') }} {{ d.a }} {{ d['a'] }} {{ d.keys()|list }} {{ d.values()|list }} {{ d.missing }}|{{ d.items()|list }})__",
     R"__({"d": {"a": 1, "b": 2}})__",
     R"__(1 dflt None 1 1 ['a', 'b'] [1, 2] |[('a', 1), ('b', 2)])__"},
    {"MarkupSafeConcatenationEscapes", R"__({{ 'safe<'|safe + '<plain>' }} {{ '<a>' + '&'|safe }} {{ ('x'|safe ~ '<') }} {{ '<b>'|escape }})__",
     R"__({})__",
     R"__(safe<&lt;plain&gt; &lt;a&gt;& x< &lt;b&gt;)__"},
    {"DictAndRangeGlobals", R"__({{ dict(a=1, b='x') }} {{ range(3)|list }} {{ range(1, 7, 2)|list }} {{ namespace(a=1).a }})__",
     R"__({})__",
     R"__({'a': 1, 'b': 'x'} [0, 1, 2] [1, 3, 5] 1)__"},
    {"UnicodeLengthAndUpper", R"__({{ 'héllo 東京'|length }} {{ 'héllo'|upper }} {{ '東京🚀'|list }})__",
     R"__({})__",
     R"__(8 HÉLLO ['東', '京', '🚀'])__"},
};

const Case kErrorCases[] = {
    {"RaiseExceptionCarriesMessage", R"__({{ raise_exception('Only user and assistant roles are supported!') }})__", R"__({})__", R"__(Only user and assistant roles are supported!)__"},
    {"UndefinedAttributeOfUndefinedIsAnError", R"__({{ missing.attr }})__", R"__({})__", R"__('missing' is undefined)__"},
    {"ArithmeticOnUndefinedIsAnError", R"__({{ missing + 1 }})__", R"__({})__", R"__('missing' is undefined)__"},
    {"ConcatenatingStrAndIntIsATypeError", R"__({{ 'a' + 1 }})__", R"__({})__", R"__(can only concatenate str (not "int") to str)__"},
    {"ListMutationIsRefusedBySandbox", R"__({{ [1].append(2) }})__", R"__({})__", R"__(access to attribute 'append' of 'list' object is unsafe.)__"},
    {"ToJsonOfUndefinedIsAnError", R"__({{ missing|tojson }})__", R"__({})__", R"__(Object of type Undefined is not JSON serializable)__"},
    {"OrderingMixedTypesIsATypeError", R"__({{ 1 < 'a' }})__", R"__({})__", R"__('<' not supported between instances of 'int' and 'str')__"},
};

TEST(TemplateTest, RendersLikeJinja2) {
  for (const Case& c : kCases) {
    auto out = render(c.source, c.context_json);
    ASSERT_TRUE(out.ok()) << c.name << ": " << out.status().to_string();
    EXPECT_EQ(*out, c.expected) << c.name;
  }
}

TEST(TemplateTest, FailsWithJinja2sMessage) {
  for (const Case& c : kErrorCases) {
    auto out = render(c.source, c.context_json);
    ASSERT_FALSE(out.ok()) << c.name << " rendered: " << *out;
    EXPECT_EQ(out.status().message().substr(0, std::string(c.expected).size()), c.expected) << c.name;
  }
}

TEST(TemplateTest, RaiseExceptionMessageIsExact) {
  auto out = render("{% if true %}{{ raise_exception('Bad roles') }}{% endif %}", "{}");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "Bad roles");
}

TEST(TemplateTest, RuntimeErrorsNameTheLineAndColumn) {
  auto out = render("line one\n{{ 'a' + 1 }}", "{}");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("(line 2, column"), std::string::npos) << out.status().message();
}

TEST(TemplateTest, SyntaxErrorsNameTheLineAndColumn) {
  struct Bad {
    const char* source;
    const char* expected;
  };
  const Bad bad[] = {
      {"{% if x %}\nno end", "line 2"},
      {"ok\n{{ 1 + }}", "line 2, column 8: unexpected '}}'"},
      {"{% for x in %}{% endfor %}", "expected an expression"},
      {"{% endfor %}", "unknown tag 'endfor'"},
      {"{{ 'unterminated }}", "unterminated string"},
      {"{% if x %}{% endfor %}", "unknown tag 'endfor', expected 'endif'"},
      {"{# never closed", "unterminated comment"},
      {"{% frobnicate %}", "unknown tag 'frobnicate'"},
      {"{{ a b }}", "unexpected 'b'"},
      {"{% break %}", "'break' outside of a loop"},
  };
  for (const Bad& b : bad) {
    auto t = Template::parse(b.source);
    ASSERT_FALSE(t.ok()) << b.source;
    EXPECT_NE(t.status().message().find(b.expected), std::string::npos)
        << b.source << " -> " << t.status().message();
    EXPECT_NE(t.status().message().find("template syntax error at line"), std::string::npos);
  }
}

TEST(TemplateTest, UnknownFiltersFailAtParseTimeExceptInsideIf) {
  // Jinja2 compiles `if` bodies and inline ifs "softly": unknown names fail only when they run.
  auto top = Template::parse("{% for x in [1] %}{{ x|nosuchfilter }}{% endfor %}");
  ASSERT_FALSE(top.ok());
  EXPECT_NE(top.status().message().find("line 1, column 24: No filter named 'nosuchfilter'."), std::string::npos)
      << top.status().message();
  auto dead = render("{% if false %}{{ 1|nosuchfilter }}{% endif %}", "{}");
  ASSERT_TRUE(dead.ok()) << dead.status().to_string();
  EXPECT_EQ(*dead, "");
  auto live = render("{% if x is frobbed %}{% endif %}", "{}");
  ASSERT_FALSE(live.ok());
  EXPECT_EQ(live.status().message().rfind("No test named 'frobbed' found.", 0), 0u) << live.status().message();
}

TEST(TemplateTest, StripAndSplitUseUnicodeWhitespaceAsPython) {
  // Jinja2's output for s = "\u3000\u00a0 日本\u3000語 \u2003", t = "a\u0085b\u00a0 ".
  auto out = render(R"([{{ s|trim }}]{{ s.split() }}[{{ s.strip("\u3000x") }}][{{ t.rstrip() }}]{{ t.split(None, 1) }})",
                    R"({"s": "\u3000\u00a0 日本\u3000語 \u2003", "t": "a\u0085b\u00a0 "})");
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(*out, "[日本\u3000語]['日本', '語'][\u00a0 日本\u3000語 \u2003][a\u0085b]['a', 'b\\xa0 ']");
}

TEST(TemplateTest, ReprEscapesUnprintableCodePointsAsPython) {
  auto out = render(R"({{ ["\u3000\u00ad\u200b\ue000🚀\u0085\u2028é"] }})", "{}");
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(*out, R"(['\u3000\xad\u200b\ue000🚀\x85\u2028é'])");
}

TEST(TemplateTest, FoldedNegativeBaseOfPowerKeepsJinja2sQuirk) {
  // Jinja2 emits `-1 ** x` into Python source, which is -(1 ** x); fully constant powers fold correctly.
  auto out = render("{{ -1 ** 2 }} {{ -1 ** x }} {{ -2.0 ** x }} {{ -x ** 2 }}", R"({"x": 2})");
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(*out, "1 -1 -4.0 4");
}

TEST(TemplateTest, NamesFirstAssignedInAFrameStartUndefined) {
  // Outputs from Jinja2 with n=5 in the context (its compiler resolves names per frame up front).
  const std::pair<const char*, const char*> cases[] = {
      {"{% for i in [1, 2] %}[{{ n }}]{% endfor %}{% set n = 1 %}{{ n }}", "[][]1"},
      {"{{ n }}{% for i in [1] %}[{{ n }}]{% endfor %}{% set n = 1 %}{{ n }}", "5[5]1"},
      {"{% if false %}{% set n = 1 %}{% endif %}{{ n }}", "5"},
      {"{% macro m() %}{% set n = n ~ '!' %}{{ n }}{% endmacro %}{{ m() }}", "5!"},
      {"{% set x %}{% set n = 9 %}{{ n }}{% endset %}{{ x }}{{ n }}", "95"},
  };
  for (const auto& [source, expected] : cases) {
    auto out = render(source, R"({"n": 5})");
    ASSERT_TRUE(out.ok()) << source << ": " << out.status().to_string();
    EXPECT_EQ(*out, expected) << source;
  }
}

TEST(TemplateTest, LoopChangedComparesWithThePreviousCall) {
  auto out = render("{% for x in [1, 1, 2, 2, 1] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}", "{}");
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(*out, "121");
}

TEST(TemplateTest, RecursionIsBounded) {
  auto out = render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "{}");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("maximum recursion depth exceeded"), std::string::npos);
}

TEST(TemplateTest, LoopIterationsAreBounded) {
  auto t = Template::parse("{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(10) %}"
                           "{% endfor %}{% endfor %}{% endfor %}");
  ASSERT_TRUE(t.ok());
  RenderLimits limits;
  limits.max_loop_iterations = 100000;
  auto out = t->render(Value::dict(), limits);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kOutOfRange);
}

TEST(TemplateTest, OutputSizeIsBounded) {
  auto t = Template::parse("{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}");
  ASSERT_TRUE(t.ok());
  RenderLimits limits;
  limits.max_output_bytes = 1 << 20;
  auto out = t->render(Value::dict(), limits);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kOutOfRange);
}

TEST(TemplateTest, RenderChatPassesTransformersVariables) {
  nlohmann::ordered_json messages = nlohmann::ordered_json::parse(R"([{"role": "user", "content": "Hi"}])");
  auto out = render_chat("{{ bos_token }}{{ tools }}{{ documents }}{% for m in messages %}{{ m.role }}:{{ m.content }}"
                         "{% endfor %}{{ add_generation_prompt }}{{ eos_token }}{{ extra_var }}",
                         messages, nullptr, true, "<s>", "</s>", nlohmann::ordered_json{{"extra_var", 7}});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(*out, "<s>NoneNoneuser:HiTrue</s>7");
}

TEST(TemplateTest, DefaultTemplateIsChatML) {
  nlohmann::ordered_json messages = nlohmann::ordered_json::parse(
      R"([{"role": "system", "content": "S"}, {"role": "user", "content": [{"type": "text", "text": "U"}]}])");
  auto out = render_chat("", messages, nullptr, true, "", "", nullptr);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(*out, "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n");
}

TEST(TemplateTest, ChatTemplateParsesOnceAndKnowsItsToolCallFormat) {
  auto chat = ChatTemplate::parse("{% for m in messages %}<tool_call>{{ m.content }}</tool_call>{% endfor %}");
  ASSERT_TRUE(chat.ok()) << chat.status().to_string();
  EXPECT_EQ(chat->traits().format, ToolCallFormat::kHermes);
  auto messages = nlohmann::ordered_json::parse(R"([{"role": "user", "content": "x"}])");
  for (int i = 0; i < 2; ++i) {
    auto out = chat->render(messages, nullptr, false, "", "", nullptr);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(*out, "<tool_call>x</tool_call>");
  }
  auto fallback = ChatTemplate::parse("");
  ASSERT_TRUE(fallback.ok());
  EXPECT_EQ(fallback->traits().format, ToolCallFormat::kNone);
}

TEST(TemplateTest, ATemplateRendersConcurrentlyAndRepeatedly) {
  auto t = Template::parse("{% macro m(x) %}[{{ x }}]{% endmacro %}{% for i in range(3) %}{{ m(i) }}{% endfor %}");
  ASSERT_TRUE(t.ok());
  for (int i = 0; i < 3; ++i) {
    auto out = t->render(Value::dict());
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(*out, "[0][1][2]");
  }
}

}  // namespace
}  // namespace glassbox::chat
