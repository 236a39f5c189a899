// Maillage's maps: an enhancement over pages that already list everything.
// Without JavaScript the lists and links carry the content; with it, Leaflet
// draws the records (clustered, only what the viewport shows) over map tiles
// when a tile server is configured, or over the territory's outlines.
(function () {
  'use strict';
  if (!window.L) { return; }
  L.Icon.Default.imagePath = '/static/vendor/leaflet/images/';

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function background(map, el) {
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || '' }).addTo(map);
      return;
    }
    fetch('/static/territory/departements.geojson')
      .then(function (r) { return r.json(); })
      .then(function (g) {
        L.geoJSON(g, { interactive: false, style: { color: '#1d4e89', weight: 1, fillColor: '#e8eef6', fillOpacity: 0.5 } })
          .addTo(map).bringToBack();
      });
  }

  function pointMap(el) {
    var lat = Number(el.dataset.lat), lon = Number(el.dataset.lon);
    var map = L.map(el, { scrollWheelZoom: false }).setView([lat, lon], el.dataset.tiles ? 15 : 9);
    background(map, el);
    L.marker([lat, lon], { title: el.dataset.name, alt: el.dataset.name, keyboard: true }).addTo(map);
  }

  function searchMap(el) {
    var map = L.map(el, { scrollWheelZoom: false });
    background(map, el);
    var layer = L.layerGroup().addTo(map);
    var b = (el.dataset.bounds || '').split(',').map(Number);
    if (b.length === 4 && b.every(isFinite)) {
      map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { maxZoom: 13 });
    } else {
      map.setView([46.6, 2.4], 5);
    }
    var pending = null;
    function load() {
      var bounds = map.getBounds();
      var params = new URLSearchParams(el.dataset.query || '');
      params.set('bbox', [bounds.getSouth(), bounds.getWest(), bounds.getNorth(), bounds.getEast()]
        .map(function (x) { return x.toFixed(5); }).join(','));
      params.set('zoom', String(map.getZoom()));
      if (pending) { pending.abort(); }
      pending = new AbortController();
      fetch('/api/v1/search/clusters?' + params.toString(), { signal: pending.signal })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          layer.clearLayers();
          (data.clusters || []).forEach(function (c) {
            if (c.count === 1 && c.item) {
              L.marker([c.lat, c.lon], { title: c.item.name, alt: c.item.name })
                .bindPopup('<a href="/atlas/' + c.item.id + '">' + escapeHtml(c.item.name) + '</a>')
                .addTo(layer);
            } else {
              var label = c.count + ' ' + (el.dataset.clusterLabel || '');
              L.marker([c.lat, c.lon], {
                title: label, alt: label,
                icon: L.divIcon({ className: 'cluster', html: '<span>' + c.count + '</span>', iconSize: [38, 38] })
              }).on('click', function () { map.setView([c.lat, c.lon], map.getZoom() + 2); }).addTo(layer);
            }
          });
          el.setAttribute('data-loaded', String((data.clusters || []).length));
        })
        .catch(function () { /* the list beside the map still works */ });
    }
    map.on('moveend', load);
    load();
  }

  document.querySelectorAll('[data-map]').forEach(function (el) {
    if (el.dataset.map === 'point') { pointMap(el); } else { searchMap(el); }
  });
})();
