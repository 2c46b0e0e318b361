// Keyboard labelling of calls (study cells, the review queue and the call page), on top of plain htmx
// buttons: j (or n) / k move between samples, p / f / x press the focused sample's pass / fail / clear
// button, and after labelling the next sample gets the focus; e writes the focused sample's note (Esc
// or Enter leaves it; the note goes with the next label). Keys typed into a field are left alone. A
// label key pressed while the last label is still being saved waits for it (its buttons are being
// replaced). On a study page with a cell open in the side panel, the arrows open the neighbouring
// cell of the matrix (← → target, ↑ ↓ item) and Esc closes the panel.
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

  // --- the side panel of a study's matrix ---
  var openHref = null; // the link of the matrix cell whose samples the panel shows (the matrix may be swapped meanwhile)

  function panel() {
    return document.getElementById('cell-view');
  }

  function panelOpen() {
    var view = panel();
    return !!(view && view.firstElementChild);
  }

  function openCell() {
    if (!openHref) return null;
    var links = document.querySelectorAll('table.matrix a.cell-link');
    for (var i = 0; i < links.length; i++) if (links[i].getAttribute('href') === openHref) return links[i].closest('td');
    return null;
  }

  function markOpen(link) {
    var before = document.querySelectorAll('td.cell-open');
    for (var i = 0; i < before.length; i++) before[i].classList.remove('cell-open');
    openHref = link ? link.getAttribute('href') : null;
    if (link) link.closest('td').classList.add('cell-open');
  }

  function closePanel() {
    var view = panel();
    if (view) view.innerHTML = '';
    markOpen(null);
  }

  /** The cell link next to the open one: dx along the row (targets), dy down the column (items). */
  function neighbour(dx, dy) {
    var open = openCell();
    if (!open) return null;
    var row = open.parentElement;
    var cells = Array.prototype.slice.call(row.querySelectorAll('td.cell'));
    var column = cells.indexOf(open);
    if (dx) {
      for (var i = column + dx; i >= 0 && i < cells.length; i += dx) {
        var link = cells[i].querySelector('a.cell-link');
        if (link) return link;
      }
      return null;
    }
    var rows = Array.prototype.slice.call(row.parentElement.children);
    for (var r = rows.indexOf(row) + dy; r >= 0 && r < rows.length; r += dy) {
      var td = rows[r].querySelectorAll('td.cell')[column];
      var found = td && td.querySelector('a.cell-link');
      if (found) return found;
    }
    return null;
  }

  var ARROWS = { arrowleft: [-1, 0], arrowright: [1, 0], arrowup: [0, -1], arrowdown: [0, 1] };

  document.addEventListener('click', function (event) {
    var target = event.target;
    var link = target && target.closest ? target.closest('a.cell-link') : null;
    if (link && link.closest('table.matrix')) markOpen(link);
    if (target && target.closest && target.closest('[data-cell-close]')) closePanel();
  });

  document.addEventListener('keydown', function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    var inNote = target && target.matches && target.matches('[data-note]');
    if (inNote && (event.key === 'Escape' || event.key === 'Enter')) {
      event.preventDefault();
      var own = target.closest('[data-label-row]');
      if (own) own.focus();
      else target.blur();
      return;
    }
    if (target && target.closest && target.closest('input, textarea, select, [contenteditable]')) return;
    var key = event.key.toLowerCase();
    if (panelOpen() && ARROWS[key]) {
      var next = neighbour(ARROWS[key][0], ARROWS[key][1]);
      event.preventDefault();
      if (next) {
        next.click();
        next.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      }
      return;
    }
    if (panelOpen() && key === 'escape') {
      closePanel();
      return;
    }
    if (key === 'e') {
      var row = currentRow();
      var note = row && row.querySelector('[data-note]');
      if (note) {
        event.preventDefault();
        note.focus();
      }
      return;
    }
    if (key === 'j' || key === 'n' || key === 'k') {
      event.preventDefault();
      move(key === 'k' ? -1 : 1);
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
    // A fresh matrix (results polled while the study runs) marks the open cell again.
    var open = openCell();
    if (open) open.classList.add('cell-open');
  }
  document.addEventListener('htmx:after:swap', afterSwap);
  document.addEventListener('htmx:afterSwap', afterSwap);
})();
