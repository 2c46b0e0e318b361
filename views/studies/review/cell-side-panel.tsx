// The side panel a matrix cell opens in (htmx swaps the cell's samples into #cell-view, the page stays
// where it is), with the keys that move between cells (public/labels.js) said on the page.
export function CellKeysNote(props: { studyId: number }) {
  return (
    <p class="muted keys cell-keys">
      <a class="review-link" href={`/studies/${props.studyId}/review`}>
        Review queue
      </a>{' '}
      (answers where a human label and the scorer disagree, or no human has labelled, worked through with the keyboard). 
      A cell opens its samples in a side panel. Keys there: <kbd>←</kbd>/<kbd>→</kbd> previous/next target, <kbd>↑</kbd>/<kbd>↓</kbd> same target on the previous/next item,{' '}
      <kbd>j</kbd>/<kbd>k</kbd> next/previous sample, <kbd>p</kbd> pass, <kbd>f</kbd> fail, <kbd>x</kbd> clear, <kbd>e</kbd> note, <kbd>Esc</kbd> close.
    </p>
  );
}

export function CellSidePanel() {
  return (
    <aside class="cell-side" aria-label="the open cell's samples">
      <div class="cell-side-bar">
        <span class="muted">
          <kbd>←</kbd>
          <kbd>→</kbd> target · <kbd>↑</kbd>
          <kbd>↓</kbd> item · <kbd>Esc</kbd> close
        </span>
        <button type="button" class="cell-close" data-cell-close title="Close (Esc)">
          ✕ close
        </button>
      </div>
      <div id="cell-view" class="cell-view" aria-live="polite"></div>
    </aside>
  );
}
