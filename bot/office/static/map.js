// The 社情民意地图: grid outlines shaded by how many items they hold, items as points.
// Data from /office/api/regions/{id}/map; no outside tiles unless the deployment sets a tile URL.
(function () {
  "use strict";
  var box = document.getElementById("map");
  if (!box || !window.L) return;
  var map = L.map(box, { zoomSnap: 0.25 });
  var layers = L.layerGroup().addTo(map);
  var tiles = null;
  var list = document.getElementById("map-items");
  var form = document.getElementById("map-filter");
  var first = true;

  function jitter(id) { return ((id * 7919) % 100 - 50) / 200000; }  // items at one building spread a little

  function shade(n, max) {
    if (!max || !n) return "#f5f5f5";
    var k = n / max;
    return k > 0.66 ? "#e57373" : k > 0.33 ? "#ffb74d" : "#fff176";
  }

  function showItems(title, points, grid) {
    list.innerHTML = "";
    var h = document.createElement("h2");
    h.textContent = title + " (" + points.length + ")";
    list.appendChild(h);
    if (grid) {  // the map shows a sample of points: the grid's own lists have every item
      ["reports", "needs"].forEach(function (kind) {
        var all = document.createElement("a");
        all.href = "/office/region/" + grid + "/" + kind;
        all.className = "grid-list";
        all.textContent = box.dataset[kind] + " →";
        list.appendChild(all);
        list.appendChild(document.createTextNode(" "));
      });
    }
    var ul = document.createElement("ul");
    points.slice(0, 200).forEach(function (p) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      if (p.kind === "report") {
        a.href = "/office/reports/" + p.id;
        a.textContent = box.dataset.reports + " #" + p.id;
      } else {
        a.href = "/office/needs/" + p.id;
        a.textContent = box.dataset.needs + " #" + p.id;
      }
      a.className = "map-item";
      li.appendChild(a);
      li.appendChild(document.createTextNode(" · " + p.category + " · " + p.status));
      ul.appendChild(li);
    });
    list.appendChild(ul);
  }

  function load() {
    var query = new URLSearchParams(new FormData(form)).toString();
    fetch(box.dataset.src + "?" + query, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        layers.clearLayers();
        if (data.tile_url && !tiles) tiles = L.tileLayer(data.tile_url, { maxZoom: 19 }).addTo(map);
        var features = data.grids.features;
        var max = 0;
        features.forEach(function (f) {
          if (f.properties.level === "grid") max = Math.max(max, f.properties.reports + f.properties.needs);
        });
        var outline = L.geoJSON(data.grids, {
          style: function (f) {
            var grid = f.properties.level === "grid";
            return {
              color: grid ? "#555" : "#b71c1c", weight: grid ? 1 : 3, fill: grid,
              fillColor: shade(f.properties.reports + f.properties.needs, max), fillOpacity: 0.6
            };
          },
          onEachFeature: function (f, layer) {
            layer.bindTooltip(f.properties.name + " · " + box.dataset.reports + " " +
              f.properties.reports + " · " + box.dataset.needs + " " + f.properties.needs);
            layer.on("click", function () {
              showItems(f.properties.name, data.points.filter(function (p) {
                return p.grid_id === f.properties.id;
              }), f.properties.id);
            });
          }
        });
        outline.eachLayer(function (layer) {
          if (layer.feature.properties.level !== "grid") layer.bringToBack();
        });
        layers.addLayer(outline);
        data.points.forEach(function (p) {
          var marker = L.circleMarker([p.lat + jitter(p.id), p.lon + jitter(p.id + 1)], {
            radius: 5, color: p.kind === "report" ? "#d32f2f" : "#1565c0", weight: 1, fillOpacity: 0.8,
            className: "point point-" + p.kind
          });
          marker.on("click", function () { showItems(box.dataset.openItems, [p]); });
          layers.addLayer(marker);
        });
        document.getElementById("map-count").textContent = data.points.length +
          (data.truncated ? " " + box.dataset.sample : "") + " · " + box.dataset.asOf + " " +
          data.as_of.slice(11, 19) + " UTC";
        if (first) {
          var bounds = outline.getBounds();
          if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
          else if (data.region.lat) map.setView([data.region.lat, data.region.lon], 16);
          else map.setView([39.885, 116.465], 14);
          first = false;
        }
        box.dataset.count = String(data.points.length);
        box.dataset.ready = String(Date.now());
      });
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); load(); });
  load();
})();
