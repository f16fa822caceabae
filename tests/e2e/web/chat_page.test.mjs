// The web chat page (GET /) of a running `glassbox serve` in headless Chromium. The server needs an API key
// (GLASSBOX_API_KEY); GLASSBOX_URL names it; CHROMIUM is the browser binary. Tests run in order on one page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const baseURL = process.env.GLASSBOX_URL;
const apiKey = process.env.GLASSBOX_API_KEY;
assert.ok(baseURL && apiKey, 'GLASSBOX_URL and GLASSBOX_API_KEY must be set');

let browser;
let page;
const pageErrors = [];

async function setField(selector, value) {
  await page.fill(selector, String(value));
  await page.dispatchEvent(selector, 'change');
}

// Sends a message from the composer and waits until the reply has finished (the page is idle again).
async function sendAndWait(text) {
  await page.fill('#input', text);
  await page.press('#input', 'Enter');
  await page.waitForFunction(() => document.body.dataset.state === 'idle', null, { timeout: 60_000 });
}

const lastAssistant = () => page.locator('.message.assistant').last();

async function health() {
  const res = await fetch(`${baseURL}/health`);
  return res.json();
}

before(async () => {
  const args = process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [];
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM, headless: true, args });
  page = await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // The model list is fetched once before the key is entered (401), and one test sends a prompt that is too
    // long (400): those two are expected.
    if (m.type() === 'error' && !/status of 40[01]/.test(m.text())) pageErrors.push(`console: ${m.text()}`);
  });
});

after(async () => {
  if (browser) await browser.close();
});

test('the page loads without a key, asks for one, then lists the served model', async () => {
  const res = await page.goto(baseURL + '/');
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-type'], /^text\/html/);
  assert.equal(await page.title(), 'glassbox chat');
  await page.waitForFunction(() => /API key/.test(document.getElementById('status').textContent));
  await setField('#api-key', apiKey);
  await page.waitForFunction(() => document.querySelectorAll('#model option').length > 0);
  const models = await (await fetch(`${baseURL}/v1/models`, { headers: { 'x-api-key': apiKey } })).json();
  assert.equal(await page.inputValue('#model'), models.data[0].id);
});

test('a reply streams into the page as it is generated', async () => {
  // Long enough that the reply arrives in many network reads even from a fast model on an idle machine.
  await setField('#max-tokens', 400);
  await setField('#temperature', 0.8);
  // Record the reply's length at every change of the page (and every few milliseconds) while it streams.
  await page.evaluate(() => {
    window.__lengths = [];
    const sample = () => {
      const bodies = document.querySelectorAll('.message.assistant .body');
      if (bodies.length) window.__lengths.push(bodies[bodies.length - 1].textContent.length);
    };
    window.__observer = new MutationObserver(sample);
    window.__observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    window.__sampler = setInterval(sample, 5);
  });
  const response = page.waitForResponse((r) => r.url().endsWith('/v1/messages'));
  await sendAndWait('Once upon a time');
  assert.match((await response).headers()['content-type'], /^text\/event-stream/);
  const lengths = await page.evaluate(() => {
    clearInterval(window.__sampler);
    window.__observer.disconnect();
    return window.__lengths;
  });
  const final = (await lastAssistant().locator('.body').textContent()).length;
  assert.ok(final > 0, 'the reply has text');
  const partial = new Set(lengths.filter((n) => n > 0 && n < final));
  assert.ok(partial.size >= 1, `the text grew in steps before it was complete (lengths seen: ${[...new Set(lengths)]})`);
  assert.equal(await page.locator('.message.user').last().locator('.body').textContent(), 'Once upon a time');
  assert.match(await lastAssistant().getAttribute('data-output-tokens'), /^[1-9][0-9]*$/);
});

test('the stop button aborts a long generation and the server stops generating', async () => {
  await setField('#max-tokens', 4000);
  await setField('#temperature', 1);
  let stopped = false;
  for (let attempt = 0; attempt < 4 && !stopped; ++attempt) {
    await page.fill('#input', `Tell me a very long story, number ${attempt}.`);
    await page.press('#input', 'Enter');
    await page.waitForFunction(() => {
      const b = document.querySelectorAll('.message.assistant .body');
      return document.body.dataset.state === 'idle' || (b.length && b[b.length - 1].textContent.length > 0);
    }, null, { timeout: 60_000 });
    // Press stop only if the reply is still streaming (a short story may already have ended: try again).
    stopped = await page.evaluate(() => {
      if (document.body.dataset.state !== 'streaming') return false;
      document.getElementById('stop').click();
      return true;
    });
    await page.waitForFunction(() => document.body.dataset.state === 'idle', null, { timeout: 60_000 });
  }
  assert.ok(stopped, 'a reply was still streaming when stop was pressed');
  assert.equal(await lastAssistant().getAttribute('data-stopped'), 'true');
  assert.match(await page.textContent('#status'), /Stopped/);
  // The server notices the closed stream and frees its worker.
  let depth = -1;
  for (let i = 0; i < 600 && depth !== 0; ++i) {
    depth = (await health()).queue_depth;
    if (depth !== 0) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(depth, 0, 'the cancelled generation left the queue');
  // And the page can go on.
  await setField('#max-tokens', 8);
  await sendAndWait('And then?');
  assert.notEqual(await lastAssistant().getAttribute('data-stopped'), 'true');
});

test('text is shown as text: HTML is escaped and code is set apart', async () => {
  await setField('#max-tokens', 4);
  await sendAndWait('<img src=x onerror="window.__pwned=1"> <b>bold</b> and `inline` then\n```\nblock()\n```');
  const user = page.locator('.message.user').last();
  assert.equal(await user.locator('img, b').count(), 0);
  assert.match(await user.textContent(), /<img src=x onerror="window.__pwned=1"> <b>bold<\/b>/);
  assert.equal(await user.locator('code').first().textContent(), 'inline');
  assert.equal(await user.locator('pre code').textContent(), 'block()');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
});

test('the system prompt reaches the server', async () => {
  await page.click('#new-chat');
  await setField('#max-tokens', 2);
  await setField('#temperature', 0);
  await sendAndWait('Hello');
  const without = Number(await lastAssistant().getAttribute('data-input-tokens'));

  await page.click('#new-chat');
  const system = 'You are a storyteller who only tells tales of dragons, castles and brave knights.';
  await page.fill('#system', system);
  const request = page.waitForRequest((r) => r.url().endsWith('/v1/messages'));
  await sendAndWait('Hello');
  const body = JSON.parse((await request).postData());
  assert.equal(body.system, system);
  assert.equal(body.stream, true);
  assert.equal(body.max_tokens, 2);
  assert.equal(body.temperature, 0);
  assert.equal((await request).headers()['x-api-key'], apiKey);
  const withSystem = Number(await lastAssistant().getAttribute('data-input-tokens'));
  assert.ok(withSystem > without + 5, `the prompt grew by the system prompt (${without} -> ${withSystem} tokens)`);
});

test('conversations survive a reload and can be switched and deleted', async () => {
  const before = await page.locator('#chat-list li').count();
  assert.equal(before, 3);
  const currentMessages = await page.locator('.message').allTextContents();
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('#model option').length > 0);
  assert.equal(await page.locator('#chat-list li').count(), 3);
  assert.deepEqual(await page.locator('.message').allTextContents(), currentMessages);
  assert.match(await page.inputValue('#system'), /dragons/);
  assert.equal(await page.inputValue('#api-key'), apiKey);

  // The first conversation (the oldest, last in the list) still has its story and stopped reply.
  await page.locator('#chat-list li .open').last().click();
  assert.ok((await page.locator('.message').count()) >= 6);
  assert.equal(await page.locator('.message[data-stopped="true"]').count(), 1);
  assert.equal(await page.inputValue('#system'), '');

  await page.locator('#chat-list li .delete').last().click();
  assert.equal(await page.locator('#chat-list li').count(), 2);
  await page.reload();
  assert.equal(await page.locator('#chat-list li').count(), 2);
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('glassbox.chats')).length);
  assert.equal(stored, 2);
});

test('a request the server refuses shows its error and gives the text back', async () => {
  const messagesBefore = await page.locator('.message').count();
  const huge = 'word '.repeat(6000);
  await page.fill('#input', huge);
  await page.press('#input', 'Enter');
  await page.waitForFunction(() => document.body.dataset.state === 'idle' &&
                                   /Error/.test(document.getElementById('status').textContent));
  assert.match(await page.textContent('#status'), /400 invalid_request_error: prompt is too long: \d+ tokens > 4095 maximum/);
  assert.equal(await page.inputValue('#input'), huge);
  assert.equal(await page.locator('.message').count(), messagesBefore);
  await page.fill('#input', '');
});

test('no errors in the page', () => {
  assert.deepEqual(pageErrors, []);
});
