/* The coverage planner's point layers, drawn from the map's data (planner/reporting/map_data.py).
 *
 * plannerLayers(map, D, G) fills the (empty) layer groups G, which the layer switcher already lists:
 * one L.geoJSON layer per group, styled here, with tooltips and popups written when they open.
 * Every text from the data is escaped as HTML (esc) before it reaches the page; the *_html values
 * (facility, site and centre popups) were escaped when the map was written.
 */
window.plannerLayers = function (map, D, G) {
  'use strict';
  var T = D.labels, POP = {maxWidth: 360, autoPanPaddingTopLeft: L.point(40, 60),
                             autoPanPaddingBottomRight: L.point(40, 30)};
  var ESC = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'};
  function esc(s) { return String(s === null || s === undefined ? '' : s).replace(/[&<>"']/g, function (c) { return ESC[c]; }); }
  function num(v) {
    if (v === null || v === undefined) { return '\u2014'; }
    return String(Math.round(v)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }
  function mins(v) {
    if (v === null || v === undefined) { return '\u2014'; }
    if (v === 'inf') { return '\u221e'; }
    return Number(v).toFixed(1);
  }
  function row(k, v) { return '<tr><td>' + esc(k) + '</td><td>' + v + '</td></tr>'; }
  function facName(i) { return i >= 0 && i < D.fac.length ? D.fac[i][2] : null; }
  function point(lon, lat, props) {
    return {type: 'Feature', geometry: {type: 'Point', coordinates: [lon, lat]}, properties: props};
  }

  /* township coverage under every other vector layer: they share one canvas, drawn in the order added, so the
     choropleth goes to the back whenever it is (re)added (in its own pane it would not get the mouse) */
  function binColour(v) {
    var colour = '#cccccc';
    if (v === null || v === undefined) { return colour; }
    for (var b = 0; b < D.bins.length; b++) { if (v >= D.bins[b][0] - 1e-9) { colour = D.bins[b][1]; } }
    return colour;
  }
  if (D.choro && G.choro) {
    var choro = L.geoJSON(D.choro, {
      style: function (f) {
        return {color: '#666', weight: 0.5, fillColor: binColour(f.properties.share), fillOpacity: 0.3};
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        layer.bindTooltip('<b>' + esc(p.name) + '</b><br>' + esc(T.share) + ' ' + esc(p.share_txt) + ' (' + num(p.served)
          + '/' + num(p.n) + ')<br>' + esc(T.older_share) + ' ' + esc(p.older_txt), {sticky: true});
      }
    });
    G.choro.addLayer(choro);
    choro.bringToBack();
    G.choro.on('add', function () { choro.bringToBack(); });
  }
  if (D.choro && G.labels) {
    for (var n = 0; n < D.choro.features.length; n++) {
      var lp = D.choro.features[n].properties;
      if (lp.label_at) {
        G.labels.addLayer(L.marker([lp.label_at[1], lp.label_at[0]], {interactive: false, keyboard: false,
          icon: L.divIcon({className: 'planner-label', iconSize: null, html: '<span>' + esc(lp.name) + '</span>'})}));
      }
    }
  }

  /* township centres: a ring each, and a line from each settlement assigned to it (one polyline per centre) */
  if (G.catchments && D.centres.length) {
    var lines = {};
    for (var s = 0; s < D.sett.length; s++) {
      var c = D.sett[s][10];
      if (c >= 0) { (lines[c] = lines[c] || []).push([[D.sett[s][1], D.sett[s][0]], [D.fac[c][1], D.fac[c][0]]]); }
    }
    for (var k = 0; k < D.centres.length; k++) {
      var ce = D.centres[k], fi = ce[0], at = [D.fac[fi][1], D.fac[fi][0]];
      if (lines[fi]) { G.catchments.addLayer(L.polyline(lines[fi], {color: ce[3], weight: 1.5, opacity: 0.7})); }
      G.catchments.addLayer(L.circleMarker(at, {radius: 14, color: ce[1] ? '#d62728' : ce[3], weight: 3, fill: false})
        .bindTooltip(ce[2]));
    }
  }

  /* settlements: [lon, lat, name, isCommunity, town, older, estimate note (index into D.notes, -1: none), status, facs[], times[], centre, centreTime, reasons] */
  function settlementPopup(r) {
    var status = r[7] === 1 ? 'under_served' : (r[7] === 0 ? 'served' : '');
    var older = num(r[5]) + (r[6] >= 0 ? esc(D.notes[r[6]]) : '');
    var html = row(T.name, '<b>' + esc(r[2]) + '</b>') + row(T.kind, esc(r[3] ? T.community : T.village))
      + row(T.township, esc(r[4] >= 0 ? D.towns[r[4]] : '\u2014')) + row(T.older, older)
      + row(T.status, '<b style="color:' + (D.status[status] || '#333') + '">' + esc(T[status] || '\u2014') + '</b>');
    for (var k = 0; k < D.tiers.length; k++) {
      var name = facName(r[8][k]), t = r[9][k];
      var txt = name === null ? esc(T.none) : esc(name);
      if (t !== null && t !== 'inf') { txt += ' \u00b7 ' + mins(t) + ' ' + esc(T.min); }
      html += row(D.tiers[k][1], txt);
    }
    if (r[10] >= 0) { html += row(T.centre, esc(facName(r[10])) + ' \u00b7 ' + mins(r[11]) + ' ' + esc(T.min)); }
    if (r[12]) {
      var items = r[12].split(/[；;]/), li = '';
      for (var j = 0; j < items.length; j++) { if (items[j].trim()) { li += '<li>' + esc(items[j].trim()) + '</li>'; } }
      html += row(T.why, '<ul style="margin:0;padding-left:16px">' + li + '</ul>');
    }
    return '<table class="pp">' + html + '</table>';
  }
  function settlementLayer(status) {
    var feats = [];
    for (var i = 0; i < D.sett.length; i++) {
      if ((D.sett[i][7] === 1) === (status === 1)) { feats.push(point(D.sett[i][0], D.sett[i][1], {i: i})); }
    }
    return L.geoJSON({type: 'FeatureCollection', features: feats}, {
      pointToLayer: function (f, latlng) {
        var r = D.sett[f.properties.i];
        if (status === 1) {
          var older = Math.max(r[5] || 0, 0);
          return L.circleMarker(latlng, {radius: 5 + Math.min(10, Math.sqrt(older) / 6), color: '#7f0000', weight: 1.5,
                                         fillColor: D.status.under_served, fillOpacity: 0.85});
        }
        return L.circleMarker(latlng, {radius: 5, color: D.status.served, weight: 1, fillOpacity: 0.7});
      },
      onEachFeature: function (f, layer) {
        var r = D.sett[f.properties.i];
        layer.bindTooltip(esc(r[2]));
        layer.bindPopup(function () { return settlementPopup(r); }, POP);
      }
    });
  }
  function clustered(layer, under) {
    var opts = {disableClusteringAtZoom: 13, showCoverageOnHover: false, chunkedLoading: true};
    if (under) {
      opts.iconCreateFunction = function (c) {
        return L.divIcon({html: '<div><span>' + c.getChildCount() + '</span></div>',
                          className: 'marker-cluster planner-cluster-under', iconSize: L.point(40, 40)});
      };
    }
    var group = L.markerClusterGroup(opts);
    group.addLayer(layer);
    return group;
  }
  var served = settlementLayer(0), under = settlementLayer(1);
  G.served.addLayer(clustered(served, false));
  G.under.addLayer(under.getLayers().length > D.cluster_min ? clustered(under, true) : under);

  /* facilities: [lon, lat, name, tier position, badge kind, popup html] */
  var TIERS = ['county', 'township', 'community'];
  for (var t = 0; t < TIERS.length; t++) {
    var feats = [];
    for (var i = 0; i < D.fac.length; i++) {
      if (D.fac[i][3] === t) { feats.push(point(D.fac[i][0], D.fac[i][1], {i: i})); }
    }
    if (!G[TIERS[t]]) { continue; }
    G[TIERS[t]].addLayer(L.geoJSON({type: 'FeatureCollection', features: feats}, {
      pointToLayer: function (f, latlng) {
        var r = D.fac[f.properties.i], b = D.badges[r[4]], s = Number(b.size);
        var icon = L.divIcon({className: '', iconSize: [s, s], iconAnchor: [s / 2, s / 2],
          html: '<div class="planner-badge" style="width:' + s + 'px;height:' + s + 'px;background:' + b.color
            + ';border-radius:' + b.radius + '">' + esc(b.text) + '</div>'});
        return L.marker(latlng, {icon: icon});
      },
      onEachFeature: function (f, layer) {
        var r = D.fac[f.properties.i];
        layer.bindTooltip(esc(r[2]));
        layer.bindPopup(function () { return r[5]; }, POP);
      }
    }));
  }

  /* proposed sites: [lon, lat, tier, rank, name, popup html], one layer per tier */
  for (var key in G.sites) {
    if (!Object.prototype.hasOwnProperty.call(G.sites, key)) { continue; }
    var sf = [];
    for (var j = 0; j < D.sites.length; j++) {
      if (D.sites[j][2] === key) { sf.push(point(D.sites[j][0], D.sites[j][1], {i: j})); }
    }
    G.sites[key].addLayer(L.geoJSON({type: 'FeatureCollection', features: sf}, {
      pointToLayer: function (f, latlng) {
        var r = D.sites[f.properties.i], st = D.site_style[r[2]] || D.site_style.community, s = Number(st.size);
        var icon = L.divIcon({className: '', iconSize: [s, s], iconAnchor: [s / 2, s / 2],
          html: '<div class="planner-site ' + st.shape + '" style="width:' + s + 'px;height:' + s + 'px;background:'
            + st.color + '"><span>' + esc(r[3]) + '</span></div>'});
        return L.marker(latlng, {icon: icon, zIndexOffset: 1000});
      },
      onEachFeature: function (f, layer) {
        var r = D.sites[f.properties.i], st = D.site_style[r[2]] || D.site_style.community;
        layer.bindTooltip(esc(st.label) + ' #' + esc(r[3]) + ' \u00b7 ' + esc(r[4]));
        layer.bindPopup(function () { return r[5]; }, POP);
      }
    }));
  }
};
