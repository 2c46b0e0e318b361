// A reviewer's label on one call: pass / fail / clear buttons that post with htmx and swap only this
// block, with the note typed beside them. public/labels.js adds the keys (p, f, x; j/k between rows;
// e to write a note); without it, the buttons and the note work alone.
export interface LabelState {
  callId: number;
  /** The current human label, if any. */
  human: { pass: boolean | null; label: string | null; note?: string | null } | null;
  /** The automatic score shown beside it, to flag a disagreement. */
  automatic?: { scorer: string; version: number; pass: boolean | null } | null;
}

/** The note a label was given with (its detail), if any. */
export const noteOf = (detail: unknown) => {
  const note = (detail as { note?: unknown } | null)?.note;
  return typeof note === 'string' ? note : null;
};

/** The same from the detail as stored (JSON text). */
export const noteOfText = (text: string | null) => {
  try {
    return text ? noteOf(JSON.parse(text)) : null;
  } catch {
    return null;
  }
};

const BUTTONS = [
  { key: 'p', pass: '1', text: '✓ pass', title: 'Label as pass (p)' },
  { key: 'f', pass: '0', text: '✗ fail', title: 'Label as fail (f)' },
  { key: 'x', pass: '', text: 'clear', title: 'Clear the label (x)' },
];

export function LabelButtons(props: LabelState) {
  const id = `label-${props.callId}`;
  const human = props.human;
  const disagrees = human?.pass != null && props.automatic?.pass != null && human.pass !== props.automatic.pass;
  return (
    <div class="label-buttons" id={id}>
      <span class={`human-label ${human?.pass === true ? 'good' : human?.pass === false ? 'bad' : 'muted'}`}>
        {human ? (human.label ?? (human.pass ? 'pass' : 'fail')) : 'unlabelled'}
      </span>
      {disagrees ? <span class="badge badge-disagree" title={`the human label disagrees with ${props.automatic!.scorer}`}>≠ {props.automatic!.scorer}</span> : null}
      {BUTTONS.map((b) => (
        <button
          type="button"
          class={`label-button label-${b.key}`}
          data-key={b.key}
          title={b.title}
          hx-post={`/calls/${props.callId}/label`}
          hx-vals={JSON.stringify({ pass: b.pass, ...(props.automatic ? { scorer: props.automatic.scorer, version: String(props.automatic.version) } : {}) })}
          hx-include={`#note-${props.callId}`}
          hx-target={`#${id}`}
          hx-swap="outerHTML"
        >
          {b.text}
        </button>
      ))}
      <input
        class="label-note"
        id={`note-${props.callId}`}
        name="note"
        maxlength={2000}
        value={human?.note ?? ''}
        placeholder="note (e to write, Esc to leave)"
        aria-label="note with the label"
        data-note
      />
    </div>
  );
}
