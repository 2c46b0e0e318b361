// Draws the analytics charts with Chart.js (served from node_modules as /static/chart.umd.js).
// Each <canvas> has its data beside it in <script type="application/json" data-chart-for="<canvas id>">:
// {type, labels, datasets: [{label, data, axis?: 'y'|'y2', kind?: 'bar'|'line', hidden?}], y, y2?}.
(function () {
  'use strict';
  var COLORS = ['#2457c5', '#b42318', '#067647', '#b54708', '#6941c6', '#0e7490'];

  function config(spec) {
    var scales = {
      x: { ticks: { autoSkip: true, maxTicksLimit: 14, maxRotation: 0 } },
      y: { beginAtZero: true, title: { display: true, text: spec.y } },
    };
    if (spec.y2) {
      scales.y2 = { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: spec.y2 } };
    }
    return {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d, i) {
          var color = COLORS[i % COLORS.length];
          var line = (d.kind || spec.type) === 'line';
          return {
            label: d.label,
            data: d.data,
            type: d.kind || spec.type,
            yAxisID: d.axis || 'y',
            hidden: Boolean(d.hidden),
            borderColor: color,
            backgroundColor: line ? color : color + 'b3',
            borderWidth: line ? 2 : 0,
            pointRadius: line && spec.labels.length <= 60 ? 2 : 0,
            tension: 0.2,
            spanGaps: true,
          };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: 'index', intersect: false },
        scales: scales,
      },
    };
  }

  function drawCharts(root) {
    if (typeof window.Chart !== 'function') return;
    var holders = root.querySelectorAll('script[type="application/json"][data-chart-for]');
    for (var i = 0; i < holders.length; i++) {
      var canvas = document.getElementById(holders[i].getAttribute('data-chart-for'));
      if (!canvas || canvas.getAttribute('data-drawn')) continue;
      canvas.setAttribute('data-drawn', 'true');
      new window.Chart(canvas, config(JSON.parse(holders[i].textContent)));
    }
  }

  function drawAll() {
    drawCharts(document);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', drawAll);
  else drawAll();
  // Content swapped in by htmx (4.x and 2.x event names) may bring charts of its own.
  document.addEventListener('htmx:after:swap', drawAll);
  document.addEventListener('htmx:afterSwap', drawAll);
})();
