import assert from "node:assert/strict";
import { test } from "node:test";
import { SseParser } from "@tally/client";

function parse(chunks) {
  const messages = [];
  const comments = [];
  const retries = [];
  const parser = new SseParser({
    message: (m) => messages.push(m),
    comment: (c) => comments.push(c),
    retry: (r) => retries.push(r),
  });
  for (const chunk of chunks) {
    parser.push(chunk);
  }

  parser.end();
  return { messages, comments, retries, parser };
}

const tally = 'id: 17\nevent: balance.updated\ndata: {"seq":17}\n\n';

test("a Tally event is parsed with its type, data and id", () => {
  const { messages } = parse([tally]);
  assert.deepEqual(messages, [{ type: "balance.updated", data: '{"seq":17}', lastEventId: "17" }]);
});

test("any split of the bytes gives the same events", () => {
  const text = `: ping\n\n${tally}id: 18\r\nevent: balance.updated\r\ndata: {"seq":18}\r\n\r\n`;
  const whole = parse([text]).messages;
  assert.equal(whole.length, 2);
  for (let i = 0; i <= text.length; i++) {
    assert.deepEqual(parse([text.slice(0, i), text.slice(i)]).messages, whole, `split at ${i}`);
  }

  assert.deepEqual(parse([...text]).messages, whole, "one character at a time");
});

test("CR, LF and CRLF all end lines, and a CRLF split across chunks is one line end", () => {
  const { messages } = parse(["data: a\r", "\ndata: b\rdata: c\n\r\n"]);
  assert.deepEqual(messages.map((m) => m.data), ["a\nb\nc"]);
});

test("comments are not events; a ping is reported as a comment", () => {
  const { messages, comments } = parse([": ping\n\n: ping\n\n"]);
  assert.equal(messages.length, 0);
  assert.deepEqual(comments, ["ping", "ping"]);
});

test("several data lines join with newlines; one leading space is dropped", () => {
  const { messages } = parse(["data:first\ndata:  second\ndata\n\n"]);
  assert.equal(messages[0].data, "first\n second\n");
  assert.equal(messages[0].type, "message");
});

test("the last event id persists across events until changed, and an id with NULL is ignored", () => {
  const { messages, parser } = parse(["id: 5\ndata: a\n\ndata: b\n\nid: 6\u00007\ndata: c\n\nid\ndata: d\n\n"]);
  assert.deepEqual(messages.map((m) => m.lastEventId), ["5", "5", "5", ""]);
  assert.equal(parser.lastEventId, "");
});

test("an event without data is not dispatched and its type does not leak into the next", () => {
  const { messages } = parse(["event: lonely\n\ndata: x\n\n"]);
  assert.deepEqual(messages, [{ type: "message", data: "x", lastEventId: "" }]);
});

test("an unfinished event at the end of the stream is discarded", () => {
  const { messages } = parse([tally, 'id: 18\nevent: balance.updated\ndata: {"seq":18}\n']);
  assert.equal(messages.length, 1);
});

test("retry takes digits only; a leading BOM is skipped; unknown fields are ignored", () => {
  const { messages, retries } = parse(["\uFEFFretry: 1500\nretry: 1.5\nfoo: bar\ndata: x\n\n"]);
  assert.deepEqual(retries, [1500]);
  assert.equal(messages[0].data, "x");
});
