/* CityGrid Console map page.
 *
 * One namespace (window.citygrid). Python calls exactly one entry point, citygrid.dispatch,
 * through the QWebChannel bridge's sig_js_call signal with {fn, args} JSON; this file answers
 * through the bridge's slots (pageReady, gridClicked, eventClicked, locationPicked,
 * measured, batchPainted, jsError). The Leaflet map itself is built by folium; attach()
 * receives it.
 *
 * Categories, priorities and roles arrive as small integers: positions in the vocabulary
 * Python writes into the page (the JSON element #cg-vocabulary, read once by attach();
 * widgets/mapstyle.py), which also keys the colours and sizes by code. This file holds no
 * list of categories, priorities or roles of its own.
 */
"use strict";
(function () {
  const cg = {};
  window.citygrid = cg;
  let bridge = null;
  let map = null;

  const OFF_DUTY_DIM = 0.35;
  // the vocabulary, and lookups by the integer codes batches carry (filled by useVocabulary)
  let vocab = null;
  const byCode = { categoryColour: [], priorityRadius: [], roleColour: [], roleMask: 0,
                   offDuty: 0, ringFrom: Infinity };

  function useVocabulary(v) {
    vocab = v;
    cg.vocabulary = v;
    byCode.categoryColour = v.category.map((c) => v.category_colours[c]);
    byCode.priorityRadius = v.priority.map((p) => v.priority_radius[p]);
    byCode.roleColour = v.role.map((r) => v.role_colours[r]);
    byCode.offDuty = v.off_duty_flag;
    byCode.roleMask = v.off_duty_flag - 1;
    byCode.ringFrom = v.priority.indexOf(v.ring_priority);
  }

  function report(error) {
    const text = (error && error.stack) ? error.stack : String(error);
    if (bridge) { bridge.jsError(text); } else { console.error(text); }
  }
  window.addEventListener("error", (e) => report(e.error || e.message));
  window.addEventListener("unhandledrejection", (e) => report(e.reason));

  /* ---------- base64 typed arrays ---------- */
  function b64ToBytes(b64) {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  const int32s = (b64) => new Int32Array(b64ToBytes(b64).buffer);

  /* ---------- one canvas over the map, redrawn on every view change ---------- */
  const CanvasLayer = L.Layer.extend({
    _className: "cg-canvas-layer",
    onAdd: function (m) {
      this._canvas = L.DomUtil.create("canvas", this._className + " leaflet-zoom-hide");
      this._canvas.style.pointerEvents = "none";
      if (this._opacity !== undefined) this._canvas.style.opacity = this._opacity;
      m.getPane("cgPoints").appendChild(this._canvas);
      m.on("moveend zoomend resize viewreset", this._redraw, this);
      this._redraw();
    },
    onRemove: function (m) {
      L.DomUtil.remove(this._canvas);
      m.off("moveend zoomend resize viewreset", this._redraw, this);
    },
    _redraw: function () {},
  });

  /* ---------- a point layer drawn straight from typed arrays ---------- */
  // Leaflet keeps one object per marker; at 10,000 moving staff that costs ~70 ms a batch.
  // This layer projects the arrays itself and writes pixels into one ImageData (16 ms).
  const PixelLayer = CanvasLayer.extend({
    _className: "cg-pixel-layer",
    initialize: function (size) { this._size = size; this._n = 0; },
    setData: function (lon, lat, codes) {
      this._lon = lon; this._lat = lat; this._codes = codes; this._n = lon.length;
      this._redraw();
    },
    _redraw: function () {
      if (!this._map || !this._canvas) return;
      const m = this._map;
      const size = m.getSize();
      const topLeft = m.containerPointToLayerPoint([0, 0]);
      L.DomUtil.setPosition(this._canvas, topLeft);
      if (this._canvas.width !== size.x || this._canvas.height !== size.y) {
        this._canvas.width = size.x; this._canvas.height = size.y;
      }
      const ctx = this._canvas.getContext("2d");
      const img = ctx.createImageData(size.x, size.y);
      const px = img.data;
      const w = size.x, h = size.y;
      const z = m.getZoom(), r = z < 13 ? 0 : z < 15 ? 1 : this._size;  // dots grow as you zoom in
      // Web Mercator projection done here with the map's pixel origin (no per-point objects)
      const zoomScale = 256 * Math.pow(2, m.getZoom());
      const origin = m.getPixelOrigin();
      const pane = m._getMapPanePos();
      const ox = origin.x - pane.x, oy = origin.y - pane.y;
      for (let i = 0; i < this._n; i++) {
        const lon = this._lon[i] / 1e6, lat = this._lat[i] / 1e6;
        const s = Math.sin(lat * Math.PI / 180);
        const x = Math.round(zoomScale * (lon / 360 + 0.5) - ox);
        const y = Math.round(zoomScale * (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) - oy);
        if (x < r || y < r || x >= w - r || y >= h - r) continue;
        const code = this._codes[i];
        const c = byCode.roleColour[code & byCode.roleMask] || byCode.roleColour[0];
        const a = (code & byCode.offDuty) ? Math.round(255 * OFF_DUTY_DIM) : 255;
        for (let dy = -r; dy <= r; dy++) {
          let o = ((y + dy) * w + (x - r)) * 4;
          for (let dx = -r; dx <= r; dx++, o += 4) {
            px[o] = c[0]; px[o + 1] = c[1]; px[o + 2] = c[2]; px[o + 3] = a;
          }
        }
      }
      ctx.putImageData(img, 0, 0);
    },
  });

  /* ---------- events: circles by category and priority, clustered when zoomed out ---------- */
  const EventLayer = CanvasLayer.extend({
    _className: "cg-event-layer",
    initialize: function () { this._events = new Map(); },
    upsert: function (list) { for (const e of list) this._events.set(e.id, e); this._redraw(); },
    remove: function (ids) { for (const id of ids) this._events.delete(id); this._redraw(); },
    count: function () { return this._events.size; },
    _points: function () {
      const m = this._map;
      const out = [];
      for (const e of this._events.values()) {
        const p = m.latLngToContainerPoint([e.lat, e.lon]);
        out.push([p.x, p.y, e]);
      }
      return out;
    },
    _redraw: function () {
      if (!this._map || !this._canvas) return;
      const m = this._map, size = m.getSize();
      L.DomUtil.setPosition(this._canvas, m.containerPointToLayerPoint([0, 0]));
      this._canvas.width = size.x; this._canvas.height = size.y;
      const ctx = this._canvas.getContext("2d");
      const pts = this._points().filter(([x, y]) => x > -20 && y > -20 && x < size.x + 20 && y < size.y + 20);
      this._clusters = null;
      if (m.getZoom() < 14 && pts.length > 200) {
        // screen-space grid clustering: one bubble per 48 px cell with its count
        const cell = 48, bins = new Map();
        for (const [x, y, e] of pts) {
          const key = Math.floor(x / cell) + ":" + Math.floor(y / cell);
          let b = bins.get(key);
          if (!b) { b = { x: 0, y: 0, n: 0, urgent: 0, cat: new Array(vocab.category.length).fill(0) }; bins.set(key, b); }
          b.x += x; b.y += y; b.n++; b.cat[e.category]++; if (e.priority >= byCode.ringFrom) b.urgent++;
        }
        this._clusters = [];
        ctx.font = "bold 11px sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
        for (const b of bins.values()) {
          const x = b.x / b.n, y = b.y / b.n, rad = 8 + Math.min(16, Math.sqrt(b.n) * 1.6);
          const top = b.cat.indexOf(Math.max(...b.cat));
          ctx.globalAlpha = 0.75; ctx.fillStyle = byCode.categoryColour[top];
          ctx.beginPath(); ctx.arc(x, y, rad, 0, 2 * Math.PI); ctx.fill();
          if (b.urgent) { ctx.globalAlpha = 1; ctx.strokeStyle = "#ff3b30"; ctx.lineWidth = 2; ctx.stroke(); }
          ctx.globalAlpha = 1; ctx.fillStyle = "#fff"; ctx.fillText(String(b.n), x, y);
          this._clusters.push([x, y, rad]);
        }
        return;
      }
      for (const [x, y, e] of pts) {
        ctx.fillStyle = byCode.categoryColour[e.category] || "#ccc";
        ctx.beginPath(); ctx.arc(x, y, byCode.priorityRadius[e.priority] || 4, 0, 2 * Math.PI); ctx.fill();
        if (e.overdue) { ctx.strokeStyle = "#ff3b30"; ctx.lineWidth = 2; ctx.stroke(); }
      }
    },
    hit: function (containerPoint) {
      if (this._clusters) return null;
      let best = null, bestD = 64;
      for (const [x, y, e] of this._points()) {
        const d = (x - containerPoint.x) ** 2 + (y - containerPoint.y) ** 2;
        if (d < bestD) { bestD = d; best = e; }
      }
      return best;
    },
  });

  /* ---------- heat of recent events (simpleheat-style: alpha accumulation, then palette) ---------- */
  const HeatLayer = CanvasLayer.extend({
    _className: "cg-heat-layer",
    _opacity: 0.7,
    initialize: function () { this._lon = []; this._lat = []; },
    add: function (lon, lat, keep) {
      this._lon = this._lon.concat(lon).slice(-keep); this._lat = this._lat.concat(lat).slice(-keep);
      this._redraw();
    },
    _palette: function () {
      if (this._grad) return this._grad;
      const c = document.createElement("canvas"); c.width = 1; c.height = 256;
      const g = c.getContext("2d"), lg = g.createLinearGradient(0, 0, 0, 256);
      lg.addColorStop(0.2, "#1e3cff"); lg.addColorStop(0.45, "#00d4ff"); lg.addColorStop(0.65, "#3cff3c");
      lg.addColorStop(0.85, "#ffe600"); lg.addColorStop(1.0, "#ff2a00");
      g.fillStyle = lg; g.fillRect(0, 0, 1, 256);
      this._grad = g.getImageData(0, 0, 1, 256).data;
      return this._grad;
    },
    _redraw: function () {
      if (!this._map || !this._canvas) return;
      const m = this._map, size = m.getSize();
      L.DomUtil.setPosition(this._canvas, m.containerPointToLayerPoint([0, 0]));
      this._canvas.width = size.x; this._canvas.height = size.y;
      const ctx = this._canvas.getContext("2d");
      const rad = Math.max(8, Math.min(30, 2 * (m.getZoom() - 8)));
      for (let i = 0; i < this._lon.length; i++) {
        const p = m.latLngToContainerPoint([this._lat[i], this._lon[i]]);
        if (p.x < -rad || p.y < -rad || p.x > size.x + rad || p.y > size.y + rad) continue;
        const g = ctx.createRadialGradient(p.x, p.y, 0, p.x, p.y, rad);
        g.addColorStop(0, "rgba(0,0,0,0.25)"); g.addColorStop(1, "rgba(0,0,0,0)");
        ctx.fillStyle = g; ctx.fillRect(p.x - rad, p.y - rad, 2 * rad, 2 * rad);
      }
      const img = ctx.getImageData(0, 0, size.x, size.y), d = img.data, pal = this._palette();
      for (let i = 3; i < d.length; i += 4) {
        const a = d[i]; if (!a) continue;
        const j = a * 4; d[i - 3] = pal[j]; d[i - 2] = pal[j + 1]; d[i - 1] = pal[j + 2];
      }
      ctx.putImageData(img, 0, 0);
    },
  });

  /* ---------- the page's state ---------- */
  const state = {
    grids: null, gridByCode: new Map(), choropleth: null, boundaries: {},
    staff: null, events: null, heat: null, highlight: null, selectedGrid: null,
    pick: false, measure: null, labels: L.layerGroup(), control: null, base: null,
    span: [], overlays: {},
  };
  const GRID_STYLE = {
    basic: { color: "#3d5366", weight: 0.5, fillColor: "#1c2833", fillOpacity: 0.55 },
    dedicated: { color: "#c79a3a", weight: 1.0, fillColor: "#5a4a22", fillOpacity: 0.45 },
  };
  const BOUNDARY_STYLE = {
    district: { color: "#e0e6ee", weight: 2.2, opacity: 0.9, fill: false },
    street: { color: "#9fb3c8", weight: 1.3, opacity: 0.8, dashArray: "6 4", fill: false },
    community: { color: "#6f8499", weight: 0.9, opacity: 0.7, dashArray: "2 3", fill: false },
  };
  const CHORO = ["#1b2a36", "#3b4f2a", "#6b7a1f", "#b08a12", "#d35400", "#c0392b"];
  const choroColour = (n) => CHORO[n <= 0 ? 0 : n <= 1 ? 1 : n <= 3 ? 2 : n <= 6 ? 3 : n <= 10 ? 4 : 5];

  function painted(kind, started) {
    // two animation frames: the frame that contains the change has been produced
    requestAnimationFrame(() => requestAnimationFrame(() => bridge.batchPainted(kind, performance.now() - started)));
  }

  // community lines only when zoomed in, street lines from district scale: a city-wide
  // view full of dashes hides the events a dispatcher is looking for
  const MIN_ZOOM = { district: 0, street: 12, community: 14 };
  function boundariesForZoom() {
    for (const [level, layer] of Object.entries(state.boundaries)) {
      layer.setStyle({ opacity: map.getZoom() >= MIN_ZOOM[level] ? BOUNDARY_STYLE[level].opacity : 0 });
    }
  }

  function refreshLabels() {
    state.labels.clearLayers();
    if (!state.grids || map.getZoom() < 15) return;
    const bounds = map.getBounds();
    let n = 0;
    state.grids.eachLayer((layer) => {
      if (n > 400 || !bounds.intersects(layer.getBounds())) return;
      const c = layer.getBounds().getCenter();
      state.labels.addLayer(L.tooltip({ permanent: true, direction: "center", className: "cg-grid-label", interactive: false })
        .setLatLng(c).setContent(layer.feature.properties.code.slice(-6)));
      n++;
    });
  }

  const api = {
    ping: (token) => bridge.pong(String(token)),
    setBaseMap: (cfg) => {
      if (state.base) { map.removeLayer(state.base); state.base = null; }
      if (cfg.kind !== "none" && cfg.url) {
        state.base = L.tileLayer(cfg.url, { maxZoom: cfg.max_zoom || 18, minZoom: cfg.min_zoom || 0,
          attribution: cfg.attribution || "", tms: false }).addTo(map);
        state.base.bringToBack();
      }
      badge.update(cfg);
    },
    setGrids: (fc) => {
      const t0 = performance.now();
      if (state.grids) { map.removeLayer(state.grids); state.control.removeLayer(state.grids); }
      if (state.choropleth) { map.removeLayer(state.choropleth); state.control.removeLayer(state.choropleth); }
      state.gridByCode.clear();
      state.span = [];
      state.grids = L.geoJSON(fc, {
        style: (f) => GRID_STYLE[f.properties.kind] || GRID_STYLE.basic,
        onEachFeature: (f, layer) => { state.gridByCode.set(f.properties.code, layer); },
      });
      state.grids.on("click", (e) => {
        if (state.pick || state.measure) return;  // the map's click handler takes these
        L.DomEvent.stopPropagation(e);
        const hit = events.hit(e.containerPoint);
        if (hit) { bridge.eventClicked(hit.id); return; }
        bridge.gridClicked(e.layer.feature.properties.code);
      });
      state.grids.addTo(map);
      state.grids.bringToBack();
      state.choropleth = L.geoJSON(fc, { interactive: false,
        style: () => ({ stroke: false, fillColor: CHORO[0], fillOpacity: 0.7 }) });
      state.control.addOverlay(state.grids, "Grids 网格");
      state.control.addOverlay(state.choropleth, "Open cases per grid 网格未结案件");
      const b = state.grids.getBounds();
      if (b.isValid()) map.fitBounds(b, { padding: [10, 10] });
      refreshLabels();
      painted("grids", t0);
    },
    setBoundaries: ({ level, fc }) => {
      if (state.boundaries[level]) { map.removeLayer(state.boundaries[level]); state.control.removeLayer(state.boundaries[level]); }
      const layer = L.geoJSON(fc, { style: BOUNDARY_STYLE[level], interactive: false });
      state.boundaries[level] = layer;
      layer.addTo(map);
      boundariesForZoom();
      state.control.addOverlay(layer, { district: "Districts 区县", street: "Streets 街道 (generated)", community: "Communities 社区 (generated)" }[level]);
    },
    setStaff: (msg) => {
      const t0 = performance.now();
      const codes = b64ToBytes(msg.codes);
      state.staff.setData(int32s(msg.lon), int32s(msg.lat), codes);
      painted("staff", t0);
    },
    upsertEvents: (list) => { const t0 = performance.now(); events.upsert(list); painted("events", t0); },
    removeEvents: (ids) => { const t0 = performance.now(); events.remove(ids); painted("events", t0); },
    setOpenCounts: (counts) => {
      const t0 = performance.now();
      if (!state.choropleth) return;
      state.choropleth.eachLayer((layer) => {
        const n = counts[layer.feature.properties.code] || 0;
        layer.setStyle({ fillColor: choroColour(n), fillOpacity: n ? 0.75 : 0.25 });
      });
      painted("counts", t0);
    },
    addHeat: (msg) => { state.heat.add(msg.lon, msg.lat, msg.keep || 5000); },
    flyTo: (a) => { map.flyTo([a.lat, a.lon], a.zoom || Math.max(map.getZoom(), 16), { duration: 0.6 }); },
    highlightEvent: (e) => {
      if (state.highlight) map.removeLayer(state.highlight);
      state.highlight = L.circleMarker([e.lat, e.lon], { radius: 14, color: "#ffffff", weight: 3, fill: false, interactive: false }).addTo(map);
    },
    highlightGrid: (code) => {
      if (state.selectedGrid) state.grids.resetStyle(state.selectedGrid);
      const layer = state.gridByCode.get(code);
      if (!layer) return;
      layer.setStyle({ color: "#ffffff", weight: 2.5 });
      layer.bringToFront();
      state.selectedGrid = layer;
      map.flyToBounds(layer.getBounds(), { maxZoom: 17, duration: 0.6 });
    },
    showPath: (msg) => {
      // the case's chain: its location, then each level's centre; the current level ringed
      if (state.path) map.removeLayer(state.path);
      state.path = L.layerGroup().addTo(map);
      const pts = msg.points.map(([lon, lat]) => [lat, lon]);
      L.polyline(pts, { color: "#ffe600", weight: 2, dashArray: "6 6", interactive: false }).addTo(state.path);
      pts.forEach((p, i) => {
        const here = i === msg.current;
        L.circleMarker(p, { radius: here ? 9 : 5, color: here ? "#ffe600" : "#aeb8c4", weight: 2,
          fillColor: "#14181d", fillOpacity: 0.9, interactive: false }).addTo(state.path)
          .bindTooltip(msg.labels[i], { permanent: here, direction: "right" });
      });
    },
    setOverlay: (msg) => {
      // a named layer of polygons drawn over the grids (departmental layers, conflicts)
      if (state.overlays[msg.name]) { map.removeLayer(state.overlays[msg.name]); state.control.removeLayer(state.overlays[msg.name]); }
      const layer = L.geoJSON(msg.fc, { interactive: false, style: () => ({
        color: msg.colour, weight: msg.weight || 1, fill: !!msg.fill, fillColor: msg.colour,
        fillOpacity: msg.fill ? 0.45 : 0 }) });
      state.overlays[msg.name] = layer;
      layer.addTo(map);
      state.control.addOverlay(layer, msg.label || msg.name);
    },
    showOverlay: (msg) => {
      const layer = state.overlays[msg.name];
      if (!layer) return;
      if (msg.on) layer.addTo(map); else map.removeLayer(layer);
    },
    clearOverlay: (name) => {
      const layer = state.overlays[name];
      if (!layer) return;
      map.removeLayer(layer); state.control.removeLayer(layer); delete state.overlays[name];
    },
    showSpan: (codes) => {
      // the grids a case spans (or is being marked as spanning): outlined in orange
      for (const layer of state.span) state.grids.resetStyle(layer);
      state.span = [];
      for (const code of codes || []) {
        const layer = state.gridByCode.get(code);
        if (!layer) continue;
        layer.setStyle({ color: "#ff9f1a", weight: 3, dashArray: "5 4", fillColor: "#ff9f1a", fillOpacity: 0.25 });
        layer.bringToFront();
        state.span.push(layer);
      }
    },
    setPickMode: (on) => { state.pick = !!on; document.body.classList.toggle("cg-pick", state.pick); },
    startMeasure: () => {
      if (state.measure) map.removeLayer(state.measure.line);
      state.measure = { points: [], line: L.polyline([], { color: "#ffe600", weight: 2, dashArray: "4 4" }).addTo(map) };
      document.body.classList.add("cg-pick");
    },
    selfTest: (kind) => {
      if (kind === "throw") { setTimeout(() => { throw new Error("deliberate test error"); }, 0); }
      if (kind === "fetch") { fetch("https://tile.openstreetmap.org/1/1/1.png").catch(() => {}); }
    },
    clickGrid: (code) => { const l = state.gridByCode.get(code); if (l) bridge.gridClicked(code); else bridge.jsError("no grid " + code); },
    clickAt: (a) => { map.fire("click", { latlng: L.latLng(a.lat, a.lon), containerPoint: map.latLngToContainerPoint([a.lat, a.lon]) }); },
    stats: () => bridge.stats(JSON.stringify({ events: events.count(), staff: state.staff._n,
      grids: state.grids ? state.grids.getLayers().length : 0, zoom: map.getZoom(),
      center: [map.getCenter().lng, map.getCenter().lat],
      highlight: state.highlight ? [state.highlight.getLatLng().lng, state.highlight.getLatLng().lat] : null,
      selectedGrid: state.selectedGrid ? state.selectedGrid.feature.properties.code : null,
      span: state.span.map((l) => l.feature.properties.code),
      overlays: Object.fromEntries(Object.entries(state.overlays).map(([k, v]) => [k, { n: v.getLayers().length, shown: map.hasLayer(v) }])),
      path: state.path ? state.path.getLayers().length : 0,
      heat: state.heat._lon.length })),
  };

  const events = new EventLayer();
  const legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    const div = L.DomUtil.create("div", "cg-legend");
    const sw = (c) => '<i style="background:' + c + '"></i>';
    const ln = (c, style, w, fill) => '<i style="background:' + (fill || "transparent") +
      "; border:" + w + "px " + style + " " + c + '; box-sizing:border-box"></i>';
    const rgb = (c) => "rgb(" + c.join(",") + ")";
    div.innerHTML =
      "<b>事件 Events</b><br>" + vocab.legend.category
        .map(([code, t]) => sw(vocab.category_colours[code]) + t).join("<br>") +
      "<br><b>人员 Staff</b><br>" + vocab.legend.role
        .map(([code, t]) => sw(rgb(vocab.role_colours[code])) + t).join("<br>") + "<br><small>暗色 = 离岗 dim = off duty</small>" +
      // the map's lines and outlines (their styles as drawn: GRID_STYLE, BOUNDARY_STYLE below)
      "<br><b>网格与边界 Grids and boundaries</b><br>" +
      ln("#3d5366", "solid", 4, "#1c2833") + "基础网格 basic grid<br>" +
      ln("#c79a3a", "solid", 4, "#5a4a22") + "专属网格 dedicated grid<br>" +
      ln("#e0e6ee", "solid", 3) + "区 district<br>" +
      ln("#9fb3c8", "dashed", 2) + "街道 street<br>" +
      ln("#6f8499", "dotted", 2) + "社区 community<br>" +
      '<i class="cg-ring"></i>超期 overdue case<br>' +
      ln("#ffe600", "dashed", 2) + "升级链 escalation chain";
    return div;
  };
  const badge = L.control({ position: "bottomleft" });
  badge.onAdd = function () { this._div = L.DomUtil.create("div", "cg-badge"); return this._div; };
  badge.update = function (cfg) {
    const datum = cfg.datum === "GCJ02" ? "GCJ-02 (overlays shifted to match)" : cfg.datum === "CGCS2000" ? "CGCS2000" : "WGS-84";
    this._div.innerHTML = "坐标系 Datum: <b>" + datum + "</b> · 底图 Base map: " + (cfg.kind === "none" ? "none" : cfg.kind) +
      "<br>街道/社区/网格边界为生成数据 <b>Generated</b> street, community and grid boundaries";
  };

  cg.dispatch = function (message) {
    try {
      const call = JSON.parse(message);
      const fn = api[call.fn];
      if (!fn) throw new Error("unknown map call " + call.fn);
      fn(call.args);
    } catch (error) { report(error); }
  };

  cg.attach = function (leafletMap) {
    useVocabulary(JSON.parse(document.getElementById("cg-vocabulary").textContent));
    map = leafletMap;
    map.attributionControl.setPrefix("Leaflet");
    // points above the polygons (overlayPane 400), below tooltips and popups
    map.createPane("cgPoints").style.zIndex = 450;
    map.getPane("cgPoints").style.pointerEvents = "none";
    // always open: a collapsed list opened on hover, so a first click meant for it unticked
    // whatever layer lay under the pointer
    state.control = L.control.layers(null, null, { collapsed: false, position: "topright" }).addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    badge.addTo(map);
    badge.update({ kind: "none", datum: "WGS84" });
    legend.addTo(map);
    state.heat = new HeatLayer();
    state.staff = new PixelLayer(2);
    events.addTo(map);
    state.staff.addTo(map);
    state.control.addOverlay(events, "Events 事件");
    state.control.addOverlay(state.staff, "Staff 人员");
    state.control.addOverlay(state.heat, "Recent events heat 近期事件热力");
    state.labels.addTo(map);
    map.on("zoomend moveend", refreshLabels);
    map.on("zoomend", boundariesForZoom);
    map.on("click", (e) => {
      if (state.pick) {
        state.pick = false; document.body.classList.remove("cg-pick");
        bridge.locationPicked(e.latlng.lng, e.latlng.lat);
        return;
      }
      if (state.measure) {
        state.measure.points.push([e.latlng.lat, e.latlng.lng]);
        state.measure.line.setLatLngs(state.measure.points);
        bridge.measured(JSON.stringify(state.measure.points.map(([a, b]) => [b, a])));
        return;
      }
      const hit = events.hit(e.containerPoint);
      if (hit) bridge.eventClicked(hit.id);
    });
    map.on("dblclick", () => {
      if (state.measure) { state.measure = null; document.body.classList.remove("cg-pick"); }
    });
    new QWebChannel(qt.webChannelTransport, (channel) => {
      bridge = channel.objects.bridge;
      bridge.sig_js_call.connect(cg.dispatch);
      bridge.pageReady();
    });
  };
})();
