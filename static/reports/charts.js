/* Draws each report chart: a <canvas data-chart="ID"> whose numbers are in the JSON of the
 * <script type="application/json" id="ID"> Django's json_script wrote beside it (labels and
 * series, the same numbers as the table that follows). Labels go to Chart.js as data, which it
 * draws as text on the canvas: never as HTML. */
(function () {
  "use strict";
  var COLOURS = ["#4f46e5", "#0ea5e9", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#64748b"];

  function config(spec) {
    var doughnut = spec.type === "doughnut";
    var datasets = spec.series.map(function (series, index) {
      var dataset = {
        label: series.label,
        data: series.data,
        backgroundColor: doughnut ? COLOURS.slice(0, series.data.length) : COLOURS[index % COLOURS.length],
      };
      if (spec.second_axis && index === 1) dataset.yAxisID = "y2";
      return dataset;
    });
    var options = { responsive: true, maintainAspectRatio: false, animation: false };
    if (!doughnut) {
      options.indexAxis = spec.horizontal ? "y" : "x";
      options.scales = {};
      if (spec.second_axis) {
        options.scales.y2 = { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } };
      }
    }
    return { type: spec.type, data: { labels: spec.labels, datasets: datasets }, options: options };
  }

  function draw() {
    if (typeof window.Chart === "undefined") return; // the tables still tell everything
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      new window.Chart(canvas, config(JSON.parse(source.textContent)));
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
