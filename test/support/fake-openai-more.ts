// The fake OpenAI server's Responses API and legacy completions endpoints, written by hand from
// OpenAI's API reference (not with the gateway's own translation code, so each checks the other):
// `POST /v1/responses` and `POST /v1/completions`, plain and streamed. Both answer
// "reply to: <the last user text or the prompt>".
import type http from 'node:http';

type Served = { model?: string; systemFingerprint?: string };
type Send = (res: http.ServerResponse, status: number, payload: unknown) => void;
type Later = (fn: () => void) => void;

const words = (text: string) => text.match(/\S+\s*/g) ?? [];
const count = (text: string) => (text.trim() === '' ? 0 : text.trim().split(/\s+/).length);

function lastUserText(input: unknown): string {
  if (typeof input === 'string') return input;
  if (!Array.isArray(input)) return '';
  let last = '';
  for (const item of input) {
    if (item?.role !== 'user') continue;
    const content = item.content;
    last = typeof content === 'string' ? content : Array.isArray(content) ? content.map((p: { text?: string }) => p?.text ?? '').join(' ') : '';
  }
  return last;
}

function sseHeaders(res: http.ServerResponse) {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
}

/** cutAfterEvents: a streamed answer drops the connection after that many events instead of finishing. */
export function handleResponses(res: http.ServerResponse, body: any, id: string, send: Send, later: Later, cutAfterEvents?: number, served: Served = {}) {
  const reply = `reply to: ${lastUserText(body.input)}`;
  const created = Math.floor(Date.now() / 1000);
  const inputTokens = count(lastUserText(body.input)) + count(typeof body.instructions === 'string' ? body.instructions : '');
  const message = (status: string, text: string) => ({
    type: 'message', id: `msg_${id}`, status, role: 'assistant', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
  });
  const response = (status: 'in_progress' | 'completed', output: unknown[]) => ({
    id: `resp_${id}`, object: 'response', created_at: created, status, error: null, incomplete_details: null,
    instructions: body.instructions ?? null, max_output_tokens: body.max_output_tokens ?? null, model: served.model ?? body.model, output,
    parallel_tool_calls: true, previous_response_id: null, reasoning: { effort: null, summary: null }, store: true,
    temperature: body.temperature ?? 1, text: { format: { type: 'text' } }, tool_choice: 'auto', tools: [], top_p: 1,
    truncation: 'disabled', metadata: {},
    usage: status === 'completed'
      ? { input_tokens: inputTokens, input_tokens_details: { cached_tokens: 0 }, output_tokens: count(reply), output_tokens_details: { reasoning_tokens: 0 }, total_tokens: inputTokens + count(reply) }
      : null,
  });
  if (!body.stream) return later(() => send(res, 200, response('completed', [message('completed', reply)])));
  later(() => {
    sseHeaders(res);
    const frames: string[] = [];
    const event = (type: string, data: Record<string, unknown>) =>
      frames.push(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: frames.length, ...data })}\n\n`);
    event('response.created', { response: response('in_progress', []) });
    event('response.in_progress', { response: response('in_progress', []) });
    event('response.output_item.added', { output_index: 0, item: { ...message('in_progress', ''), content: [] } });
    event('response.content_part.added', { item_id: `msg_${id}`, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
    for (const piece of words(reply)) event('response.output_text.delta', { item_id: `msg_${id}`, output_index: 0, content_index: 0, delta: piece, logprobs: [] });
    event('response.output_text.done', { item_id: `msg_${id}`, output_index: 0, content_index: 0, text: reply, logprobs: [] });
    event('response.content_part.done', { item_id: `msg_${id}`, output_index: 0, content_index: 0, part: { type: 'output_text', text: reply, annotations: [] } });
    event('response.output_item.done', { output_index: 0, item: message('completed', reply) });
    event('response.completed', { response: response('completed', [message('completed', reply)]) });
    if (cutAfterEvents === undefined) {
      res.end(frames.join(''));
    } else if (cutAfterEvents <= 0) {
      res.flushHeaders();
      setImmediate(() => res.socket?.destroy());
    } else {
      // At most cutAfterEvents events (never the last), then the connection drops once they reached the kernel.
      res.write(frames.slice(0, Math.min(cutAfterEvents, frames.length - 1)).join(''), () => res.socket?.destroy());
    }
  });
}

export function handleCompletions(res: http.ServerResponse, body: any, id: string, send: Send, later: Later, served: Served = {}) {
  const prompt = Array.isArray(body.prompt) ? String(body.prompt[0] ?? '') : String(body.prompt ?? '');
  const reply = `reply to: ${prompt}`;
  const created = Math.floor(Date.now() / 1000);
  const base = { id: `cmpl-${id}`, object: 'text_completion', created, model: served.model ?? body.model, system_fingerprint: served.systemFingerprint ?? 'fp_fake' };
  const usage = { prompt_tokens: count(prompt), completion_tokens: count(reply), total_tokens: count(prompt) + count(reply) };
  if (!body.stream) {
    return later(() => send(res, 200, { ...base, choices: [{ text: reply, index: 0, logprobs: null, finish_reason: 'stop' }], usage }));
  }
  later(() => {
    sseHeaders(res);
    for (const piece of words(reply)) res.write(`data: ${JSON.stringify({ ...base, choices: [{ text: piece, index: 0, logprobs: null, finish_reason: null }] })}\n\n`);
    res.write(`data: ${JSON.stringify({ ...base, choices: [{ text: '', index: 0, logprobs: null, finish_reason: 'stop' }] })}\n\n`);
    if (body.stream_options?.include_usage) res.write(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`);
    res.end('data: [DONE]\n\n');
  });
}
