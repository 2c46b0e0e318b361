// Draws the analytics and study charts with Chart.js (served from node_modules as /static/chart.umd.js).
// Each <canvas> has its data beside it in <script type="application/json" data-chart-for="<canvas id>">:
// {type, labels, datasets: [{label, data, axis?: 'y'|'y2', kind?: 'bar'|'line', hidden?, errors?}], y, y2?, yMax?}.
// `errors` holds a [low, high] interval per value (or null), drawn as error bars on the bars.
(function () {
  'use strict';
  var COLORS = ['#2457c5', '#b42318', '#067647', '#b54708', '#6941c6', '#0e7490'];

  // Chart.js has no error bars of its own: a whisker with caps over each bar whose dataset has `errors`.
  var errorBars = {
    id: 'errorBars',
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      var scale = chart.scales.y;
      chart.data.datasets.forEach(function (dataset, i) {
        var meta = chart.getDatasetMeta(i);
        if (!dataset.errors || meta.hidden) return;
        ctx.save();
        ctx.strokeStyle = '#1d2433';
        ctx.lineWidth = 1.5;
        meta.data.forEach(function (bar, j) {
          var interval = dataset.errors[j];
          if (!interval) return;
          var top = scale.getPixelForValue(interval[1]);
          var bottom = scale.getPixelForValue(interval[0]);
          var cap = Math.min(8, (bar.width || 16) / 4);
          ctx.beginPath();
          ctx.moveTo(bar.x, top);
          ctx.lineTo(bar.x, bottom);
          ctx.moveTo(bar.x - cap, top);
          ctx.lineTo(bar.x + cap, top);
          ctx.moveTo(bar.x - cap, bottom);
          ctx.lineTo(bar.x + cap, bottom);
          ctx.stroke();
        });
        ctx.restore();
      });
    },
  };

  function config(spec) {
    var scales = {
      x: { ticks: { autoSkip: true, maxTicksLimit: 14, maxRotation: 0 } },
      y: { beginAtZero: true, title: { display: true, text: spec.y } },
    };
    if (spec.yMax !== undefined) scales.y.max = spec.yMax;
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
            errors: d.errors,
          };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: 'index', intersect: false },
        scales: scales,
        plugins: { tooltip: { callbacks: { afterLabel: intervalLabel } } },
      },
      plugins: [errorBars],
    };
  }

  function intervalLabel(item) {
    var interval = item.dataset.errors && item.dataset.errors[item.dataIndex];
    return interval ? '95% interval: ' + interval[0] + '–' + interval[1] : '';
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
