// Keyboard labelling of calls (study cells and the call page), on top of plain htmx buttons:
// j / k move between samples, p / f / x press the focused sample's pass / fail / clear button, and
// after labelling the next sample gets the focus. Keys typed into a field are left alone. A label key
// pressed while the last label is still being saved waits for it (its buttons are being replaced).
(function () {
  'use strict';
  var KEYS = { p: true, f: true, x: true };
  var labelled = null; // the row whose label is being saved
  var waiting = null; // a label key pressed meanwhile
  var timer = null;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll('[data-label-row]'));
  }

  function currentRow() {
    var active = document.activeElement;
    var row = active && active.closest ? active.closest('[data-label-row]') : null;
    if (row) return row;
    var all = rows();
    return all.length === 1 ? all[0] : null;
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var at = all.indexOf(currentRow());
    var next = at === -1 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + step));
    all[next].focus();
    all[next].scrollIntoView({ block: 'nearest' });
  }

  function label(key) {
    var row = currentRow();
    var button = row && row.querySelector('button[data-key="' + key + '"]');
    if (!button) return false;
    labelled = row;
    // Should the answer never come (a network error), keys work again after a while.
    timer = setTimeout(saved, 3000);
    button.click();
    return true;
  }

  function saved() {
    clearTimeout(timer);
    var row = labelled;
    labelled = null;
    if (row && document.body.contains(row)) {
      var all = rows();
      var next = all[all.indexOf(row) + 1];
      (next || row).focus();
    }
    var key = waiting;
    waiting = null;
    if (key) label(key);
  }

  document.addEventListener('keydown', function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (target && target.closest && target.closest('input, textarea, select, [contenteditable]')) return;
    var key = event.key.toLowerCase();
    if (key === 'j' || key === 'k') {
      event.preventDefault();
      move(key === 'j' ? 1 : -1);
      return;
    }
    if (!KEYS[key]) return;
    event.preventDefault();
    if (labelled) waiting = key;
    else label(key);
  });

  // htmx has swapped (and processed) the new label block: the review moves on.
  function afterSwap() {
    if (labelled) saved();
  }
  document.addEventListener('htmx:after:swap', afterSwap);
  document.addEventListener('htmx:afterSwap', afterSwap);
})();
