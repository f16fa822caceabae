// The official Anthropic and OpenAI SDKs against a running `glassbox serve` (URL in GLASSBOX_URL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

const baseURL = process.env.GLASSBOX_URL;
assert.ok(baseURL, 'GLASSBOX_URL must name the server');
const anthropic = new Anthropic({ baseURL, apiKey: 'test-key', maxRetries: 0 });
const openai = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: 'test-key', maxRetries: 0 });

const request = {
  model: 'claude-sonnet-4-6',
  max_tokens: 12,
  temperature: 0,
  system: [{ type: 'text', text: 'You tell stories.' }],
  messages: [{ role: 'user', content: 'Once upon a time' }],
};

test('messages.create returns a Message', async () => {
  const msg = await anthropic.messages.create(request);
  assert.equal(msg.type, 'message');
  assert.equal(msg.role, 'assistant');
  assert.match(msg.id, /^msg_/);
  assert.equal(msg.content[0].type, 'text');
  assert.equal(typeof msg.content[0].text, 'string');
  assert.ok(['end_turn', 'max_tokens'].includes(msg.stop_reason), msg.stop_reason);
  assert.ok(msg.usage.output_tokens >= 1 && msg.usage.output_tokens <= 12);
  assert.ok(msg.usage.input_tokens + msg.usage.cache_read_input_tokens > 5);
});

test('messages.stream yields the same text as create, with events in order', async () => {
  const full = await anthropic.messages.create(request);
  const stream = anthropic.messages.stream(request);
  const names = [];
  let text = '';
  stream.on('streamEvent', (event) => names.push(event.type));
  stream.on('text', (delta) => { text += delta; });
  const final = await stream.finalMessage();
  assert.equal(names[0], 'message_start');
  assert.equal(names.at(-1), 'message_stop');
  assert.equal(names.at(-2), 'message_delta');
  assert.ok(names.includes('content_block_start') && names.includes('content_block_stop'));
  assert.equal(text, full.content[0].text);
  assert.equal(final.content[0].text, full.content[0].text);
  assert.equal(final.stop_reason, full.stop_reason);
  assert.equal(final.usage.output_tokens, full.usage.output_tokens);
});

test('messages.countTokens counts the prompt', async () => {
  const { max_tokens, temperature, ...rest } = request;
  const count = await anthropic.messages.countTokens(rest);
  const msg = await anthropic.messages.create({ ...request, max_tokens: 1 });
  assert.equal(count.input_tokens, msg.usage.input_tokens + msg.usage.cache_read_input_tokens);
});

test('models.list names the served model', async () => {
  const page = await anthropic.models.list();
  assert.equal(page.data.length, 1);
  assert.equal(page.data[0].type, 'model');
  const oai = await openai.models.list();
  assert.equal(oai.data[0].id, page.data[0].id);
});

test('a bad request raises a typed APIError', async () => {
  await assert.rejects(
    anthropic.messages.create({ ...request, max_tokens: 'many' }),
    (err) => err instanceof Anthropic.BadRequestError && err.status === 400 &&
      err.error?.error?.type === 'invalid_request_error');
  await assert.rejects(
    anthropic.messages.create({ ...request, model: 'no-such-model' }),
    (err) => err instanceof Anthropic.NotFoundError && err.status === 404);
});

test('openai chat.completions.create and stream agree', async () => {
  const params = { model: 'glassbox', max_tokens: 10, temperature: 0,
                   messages: [{ role: 'user', content: 'Once upon a time' }] };
  const out = await openai.chat.completions.create(params);
  assert.equal(out.object, 'chat.completion');
  assert.equal(out.choices[0].message.role, 'assistant');
  assert.ok(['stop', 'length'].includes(out.choices[0].finish_reason));
  assert.ok(out.usage.completion_tokens <= 10);
  const stream = await openai.chat.completions.create({ ...params, stream: true,
                                                        stream_options: { include_usage: true } });
  let text = '';
  let usage = null;
  let finish = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (choice?.delta?.content) text += choice.delta.content;
    if (choice?.finish_reason) finish = choice.finish_reason;
  }
  assert.equal(text, out.choices[0].message.content);
  assert.equal(finish, out.choices[0].finish_reason);
  assert.equal(usage.completion_tokens, out.usage.completion_tokens);
});

// Constrained decoding: whatever the small storyteller model would say, a forced tool call and a json_schema
// response are valid JSON for their schema.
const weatherSchema = {
  type: 'object',
  properties: {
    city: { type: 'string', maxLength: 16 },
    unit: { enum: ['celsius', 'fahrenheit'] },
    days: { type: 'integer' },
  },
  required: ['city', 'unit'],
  additionalProperties: false,
};

// The subset of JSON Schema used above.
function validates(value, schema) {
  if (schema.enum) return schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value));
  switch (schema.type) {
    case 'object':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
      if (!(schema.required ?? []).every((k) => k in value)) return false;
      return Object.entries(value).every(([k, v]) =>
        schema.properties?.[k] ? validates(v, schema.properties[k]) : schema.additionalProperties !== false);
    case 'string':
      return typeof value === 'string' && [...value].length <= (schema.maxLength ?? Infinity);
    case 'integer':
      return Number.isInteger(value);
    default:
      return false;
  }
}

test('messages.create with a forced tool returns a tool_use whose input validates', async () => {
  const msg = await anthropic.messages.create({
    ...request,
    max_tokens: 200,
    temperature: 1,
    tools: [{ name: 'get_weather', description: 'Weather for a city', input_schema: weatherSchema }],
    tool_choice: { type: 'tool', name: 'get_weather' },
  });
  assert.equal(msg.stop_reason, 'tool_use');
  assert.equal(msg.content.length, 1);
  assert.equal(msg.content[0].type, 'tool_use');
  assert.equal(msg.content[0].name, 'get_weather');
  assert.ok(validates(msg.content[0].input, weatherSchema), JSON.stringify(msg.content[0].input));
});

test('chat.completions with response_format json_schema returns JSON that matches', async () => {
  const out = await openai.chat.completions.create({
    model: 'glassbox', max_tokens: 200, temperature: 1, seed: 5,
    messages: [{ role: 'user', content: 'Once upon a time' }],
    response_format: { type: 'json_schema', json_schema: { name: 'weather', strict: true, schema: weatherSchema } },
  });
  assert.equal(out.choices[0].finish_reason, 'stop');
  const value = JSON.parse(out.choices[0].message.content);
  assert.ok(validates(value, weatherSchema), out.choices[0].message.content);
});

test('embeddings.create returns unit vectors in input order', async () => {
  const out = await openai.embeddings.create({ model: 'glassbox', input: ['a cat', 'a dog', 'a cat'] });
  assert.equal(out.object, 'list');
  assert.equal(out.data.length, 3);
  out.data.forEach((d, i) => assert.equal(d.index, i));
  const [a, b, c] = out.data.map((d) => d.embedding);
  assert.ok(a.length > 0 && a.length === b.length);
  assert.ok(Math.abs(Math.hypot(...a) - 1) < 1e-4);
  assert.deepEqual(a, c);
  assert.notDeepEqual(a, b);
  assert.ok(out.usage.prompt_tokens > 0);
  const floats = await openai.embeddings.create({ model: 'glassbox', input: 'a cat', encoding_format: 'float' });
  assert.deepEqual(floats.data[0].embedding, a);
});

test('messages.stream with a forced tool assembles the streamed input', async () => {
  const stream = anthropic.messages.stream({
    ...request,
    max_tokens: 200,
    temperature: 1,
    tools: [{ name: 'get_weather', description: 'Weather for a city', input_schema: weatherSchema }],
    tool_choice: { type: 'tool', name: 'get_weather' },
  });
  let partial = '';
  stream.on('inputJson', (delta) => { partial += delta; });
  const final = await stream.finalMessage();
  assert.equal(final.stop_reason, 'tool_use');
  assert.equal(final.content[0].type, 'tool_use');
  assert.deepEqual(final.content[0].input, JSON.parse(partial));
  assert.ok(validates(final.content[0].input, weatherSchema), partial);
});
