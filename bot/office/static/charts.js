// Monthly trend of the three rates, drawn as SVG lines from the dashboard's JSON endpoint.
(function () {
  "use strict";
  var box = document.getElementById("trend");
  if (!box) return;
  var NS = "http://www.w3.org/2000/svg";
  var COLOURS = ["#d32f2f", "#1565c0", "#2e7d32"];
  var KEYS = ["response", "resolution", "satisfaction"];
  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  fetch(box.dataset.src, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var trend = data.rates.trend;
      if (!trend.length) { box.textContent = box.dataset.empty; return; }
      var labels = box.dataset.labels.split("|");
      var W = 640, H = 220, L = 40, B = 30, T = 10, R = 120;
      var svg = el("svg", { viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img" });
      var step = trend.length > 1 ? (W - L - R) / (trend.length - 1) : 0;
      function x(i) { return L + i * step; }
      function y(v) { return T + (1 - v) * (H - T - B); }
      [0, 0.5, 1].forEach(function (v) {
        svg.appendChild(el("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#ddd" }));
        svg.appendChild(el("text", { x: 4, y: y(v) + 4 }, Math.round(v * 100) + "%"));
      });
      trend.forEach(function (m, i) {
        svg.appendChild(el("text", { x: x(i) - 18, y: H - 8 }, m.month));
      });
      KEYS.forEach(function (key, k) {
        var points = [];
        trend.forEach(function (m, i) {
          if (m[key] === null) return;
          points.push(x(i) + "," + y(m[key]));
          svg.appendChild(el("circle", { cx: x(i), cy: y(m[key]), r: 3, fill: COLOURS[k] }));
        });
        svg.appendChild(el("polyline", { points: points.join(" "), fill: "none", stroke: COLOURS[k], "stroke-width": 2 }));
        svg.appendChild(el("text", { x: W - R + 10, y: T + 14 + k * 16, fill: COLOURS[k] }, labels[k]));
      });
      box.appendChild(svg);
      box.dataset.ready = "1";
    });
})();
