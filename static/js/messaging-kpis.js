// The KPI charts of the message centre's admin page, drawn with the vendored Chart.js from the
// JSON the page carries (#kpi-data). Every chart has the same figures in a table below it.
(function () {
  "use strict";
  var source = document.getElementById("kpi-data");
  if (!source || typeof window.Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var palette = ["#1f5f8b", "#d9822b", "#3c8d40", "#8e44ad", "#c0392b", "#7f8c8d", "#16a085"];
  var common = { responsive: true, maintainAspectRatio: false, animation: still ? false : undefined };

  function draw(canvas) {
    var kind = canvas.getAttribute("data-chart");
    if (kind === "byChannel") {
      return new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: data.months,
          datasets: data.byChannel.map(function (series, i) {
            return { label: series.label, data: series.data, backgroundColor: palette[i % palette.length] };
          }),
        },
        options: Object.assign({}, common, {
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
        }),
      });
    }
    if (kind === "responseTimes") {
      var t = data.responseTimes;
      return new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: t.labels,
          datasets: [
            { label: t.tMedian, data: t.median, backgroundColor: palette[0] },
            { label: t.tP90, data: t.p90, backgroundColor: palette[1] },
            {
              type: "line", label: t.tTarget, data: t.labels.map(function () { return t.target; }),
              borderColor: palette[4], borderDash: [6, 4], pointRadius: 0, fill: false,
            },
          ],
        },
        options: Object.assign({}, common, { scales: { y: { beginAtZero: true } } }),
      });
    }
    return null;
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
