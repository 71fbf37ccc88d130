/**
 * Draws every chart of a lesson page with the site's one copy of plotly.js (assets/plotly.min.js).
 * Each chart output holds its Plotly figure as JSON in a <script type="application/json" class="gs-figure">
 * next to an empty .gs-plot element; nothing is fetched.
 */
(function drawCharts() {
  'use strict';
  if (typeof window.Plotly === 'undefined') {
    console.error('gradscope site: assets/plotly.min.js did not load, so the charts cannot be drawn');
    return;
  }
  document.querySelectorAll('.gs-chart').forEach(function draw(chart) {
    var holder = chart.querySelector('.gs-plot');
    var figure = JSON.parse(chart.querySelector('script.gs-figure').textContent);
    var config = Object.assign({ responsive: true, displaylogo: false }, figure.config || {});
    window.Plotly.newPlot(holder, { data: figure.data, layout: figure.layout || {}, frames: figure.frames, config: config });
  });
})();
