import type { getConversation } from '../../src/conversations/service';
import { ProviderModelFields, type ProviderOption } from '../components/target-fields';
import { ErrorBox } from '../components/ui';
import { Layout } from '../layout';

export type Conversation = Awaited<ReturnType<typeof getConversation>>;

export function ConversationsPage(props: { providers: ProviderOption[]; conversations: Array<{ id: number; name: string; created_at: string; members: number }>; error?: string }) {
  return (
    <Layout title="Chats">
      <h1>Conversations</h1>
      {props.error ? <ErrorBox message={props.error} /> : null}
      <form class="panel" method="post" action="/conversations">
        <ProviderModelFields providers={props.providers} />
        <label class="wide">
          System prompt (optional)
          <textarea name="system_prompt" rows={2}></textarea>
        </label>
        <label>
          Name
          <input name="name" placeholder="optional" />
        </label>
        <button type="submit">New chat</button>
      </form>
      <ul>
        {props.conversations.map((c) => (
          <li>
            <a href={`/conversations/${c.id}`}>{c.name}</a> <span class="muted">· {c.members} turn(s) · {c.created_at.slice(0, 16).replace('T', ' ')}</span>
          </li>
        ))}
      </ul>
    </Layout>
  );
}

export function ConversationPage(props: { conversation: Conversation }) {
  const c = props.conversation;
  return (
    <Layout title={c.name}>
      <h1>{c.name}</h1>
      <p class="muted">
        {c.provider}/{c.model} · history is rebuilt from the captured turns, so it survives restarts · <a href={`/calls?group_id=${c.id}`}>calls</a>
      </p>
      <Chat conversation={c} />
    </Layout>
  );
}

export function Chat(props: { conversation: Conversation; error?: string }) {
  const c = props.conversation;
  return (
    <section id="chat" class="chat">
      {c.system_prompt ? <div class="bubble system">{c.system_prompt}</div> : null}
      {c.turns.map((turn) => (
        <>
          <div class="bubble user">{typeof turn.user === 'string' ? turn.user : JSON.stringify(turn.user)}</div>
          {turn.status === 'success' ? (
            <div class="bubble assistant">
              {turn.assistant} <a class="muted" href={`/calls/${turn.call_id}`}>#{turn.call_id}</a>
            </div>
          ) : (
            <div class="bubble failed">
              Failed ({turn.error?.class ?? 'error'}): {turn.error?.message ?? ''} — not part of the history. <a href={`/calls/${turn.call_id}`}>#{turn.call_id}</a>
            </div>
          )}
        </>
      ))}
      {props.error ? <ErrorBox message={props.error} /> : null}
      <form class="chat-form" method="post" action={`/conversations/${c.id}/messages`} hx-post={`/conversations/${c.id}/messages`} hx-target="#chat" hx-swap="outerHTML">
        <textarea name="content" rows={2} required placeholder="Your message…"></textarea>
        <button type="submit">Send</button>
      </form>
    </section>
  );
}
