// The scorer builder of the Studies form (views/studies/scorer-builder.tsx): Enter in one of its
// fields previews the scorer rather than starting the study, as a person typing a sample answer means.
// Without this script Enter starts the study, as it does in every other field of the form.
(function () {
  'use strict';
  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Enter' || event.defaultPrevented || event.isComposing) return;
    var field = event.target;
    if (!field || field.tagName !== 'INPUT' || !field.closest) return;
    var builder = field.closest('.scorer-builder');
    var preview = builder && builder.querySelector('[data-scorer-preview]');
    if (!preview) return;
    event.preventDefault();
    preview.click();
  });
})();
