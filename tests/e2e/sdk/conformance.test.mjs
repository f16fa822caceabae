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
