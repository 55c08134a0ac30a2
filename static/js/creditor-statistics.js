// The charts of the creditor portal's statistics page (Ropo One), drawn with the vendored
// Chart.js (the same library as the message centre's KPIs) from the JSON the page carries
// (#statistics-data). Every chart has the same figures in the table next to it, which is what
// screen readers read: the canvases are images labelled by their section's heading.
(function () {
  "use strict";
  var source = document.getElementById("statistics-data");
  if (!source || typeof window.Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var palette = ["#1f5f8b", "#d9822b", "#3c8d40", "#8e44ad", "#c0392b", "#7f8c8d"];
  var common = {
    responsive: true,
    maintainAspectRatio: false,
    animation: still ? false : undefined,
    locale: document.documentElement.lang || undefined,
  };
  var percent = { beginAtZero: true, max: 100, ticks: { callback: function (v) { return v + " %"; } } };

  function bars(canvas, labels, datasets, options) {
    return new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      options: Object.assign({}, common, options || {}),
    });
  }

  var charts = {
    lifecycle: function (canvas) {
      var d = data.lifecycle;
      return bars(canvas, d.labels, [{ label: d.title, data: d.pct, backgroundColor: palette }], {
        plugins: { legend: { display: false } },
        scales: { y: percent },
      });
    },
    stages: function (canvas) {
      var d = data.stages;
      return bars(canvas, d.labels, [{ label: d.title, data: d.counts, backgroundColor: palette[0] }], {
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      });
    },
    channels: function (canvas) {
      var d = data.channels;
      return bars(canvas, d.labels, [{ label: d.title, data: d.pct, backgroundColor: palette[2] }], {
        plugins: { legend: { display: false } },
        scales: { y: percent },
      });
    },
    monthly: function (canvas) {
      var d = data.monthly;
      return bars(canvas, d.labels, [{ label: d.title, data: d.totals, backgroundColor: palette[0] }], {
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true } },
      });
    },
  };

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var draw = charts[canvas.getAttribute("data-chart")];
    if (draw) canvas.chart = draw(canvas);
  });
})();
