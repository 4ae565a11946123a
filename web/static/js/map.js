// The dashboard's map: every site (Location with coordinates) of every organisation as a dot in its status colour,
// the areas of the incidents drawn (polygons and circles), and the organisations an incident affects ringed. Drawn
// with Leaflet (web/static/vendor/leaflet, from npm: docs/dependencies.md), which the page loads as a classic script
// before this module (window.L).
//
// The background tiles are the server's configuration (GET /api/map: {tile_url, attribution}; "" = no tiles). Without
// tiles, or when they cannot be fetched, the map still draws the sites and areas over a plain background; a failing
// tile shows a small note instead of an error.
//
// update(model) is called on every render of the dashboard: it changes only what changed (a dot's colour, an area's
// shape), never rebuilds the map, and keeps the user's zoom and position. The first time there is something to show,
// the map zooms to it; after the user moves the map it stays where they put it.
//
// Text from the API (names, titles) never becomes markup here: tooltips get DOM nodes with textContent, and the
// attribution is escaped (Leaflet writes both as HTML).
import { html } from './html.js';

const NETHERLANDS = { center: [52.2, 5.3], zoom: 7 };
const SITE_RADIUS = 7;
const AFFECTED_RADIUS = 9;
// Incident areas take these colours in turn (css: .area-c0 …), by incident id, so a colour stays with its incident.
export const AREA_COLOURS = 6;

// What a tile that failed shows instead: nothing (a transparent pixel), so the plain background, not a broken image.
const NO_TILE = 'data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==';

const STATUSES = ['normal', 'strained', 'critical', 'closed', 'unknown', 'unspecified'];

// The CSS class of an overall status, as the organisations table uses it (status-strained, …; unspecified: none yet).
export function statusClass(overallStatus) {
  const name = String(overallStatus || 'OVERALL_STATUS_UNSPECIFIED').replace('OVERALL_STATUS_', '').toLowerCase();
  return STATUSES.includes(name) ? name : 'unspecified';
}

// A site's position, or null when it has none (coordinates left out, or 0,0 as the JSON mapping leaves out zeros).
export function sitePosition(location) {
  const c = location?.coordinates;
  if (!c) return null;
  const lat = Number(c.latitude || 0);
  const lng = Number(c.longitude || 0);
  if (!Number.isFinite(lat) || !Number.isFinite(lng) || (lat === 0 && lng === 0)) return null;
  return [lat, lng];
}

// What an incident's area draws: its polygons as [[lat, lng], …] rings, its circle (centre and radius in metres) or
// null, and what cannot be drawn (postcodes, municipality codes), named in the legend instead.
export function areaShapes(area) {
  const polygons = (area?.polygons || []).map((p) => (p.points || []).map((pt) => [Number(pt.latitude || 0), Number(pt.longitude || 0)]))
    .filter((ring) => ring.length >= 3);
  const centre = sitePosition({ coordinates: area?.center });
  const radiusKm = Number(area?.radius_km || 0);
  const circle = centre && radiusKm > 0 ? { centre, radius: radiusKm * 1000 } : null;
  return { polygons, circle, postcodes: area?.postcodes || [], municipalityCodes: area?.municipality_codes || [] };
}

function textNode(text, className) {
  const element = document.createElement('div');
  if (className) element.className = className;
  element.textContent = text;
  return element;
}

// Keeps the classes of an SVG element that are ours (`classes`), next to Leaflet's own (leaflet-interactive).
function setClasses(element, ours, classes) {
  if (!element) return;
  for (const name of ours) if (!classes.includes(name)) element.classList.remove(name);
  for (const name of classes) element.classList.add(name);
}

function setData(element, data) {
  if (!element) return;
  for (const [key, value] of Object.entries(data)) {
    if (value !== undefined) element.setAttribute(`data-${key}`, String(value));
  }
}

export class DashboardMap {
  // container: the element to draw in; note: the element that says the tiles cannot be reached (shown/hidden);
  // onSelect(organizationId): a site was clicked. Throws when Leaflet is missing (the caller shows that instead).
  constructor({ container, note, onSelect }) {
    const L = window.L;
    if (!L) throw new Error('Leaflet is not loaded');
    this.L = L;
    this.note = note;
    this.onSelect = onSelect;
    this.map = L.map(container, { center: NETHERLANDS.center, zoom: NETHERLANDS.zoom, zoomSnap: 0.5, worldCopyJump: false });
    this.map.attributionControl.setPrefix('Leaflet');
    // Sites above the areas, so a dot inside an area is still clicked (each pane gets its own SVG).
    this.map.createPane('sites').style.zIndex = '450';
    this.areaLayer = L.layerGroup().addTo(this.map);
    this.siteLayer = L.layerGroup().addTo(this.map);
    this.sites = new Map();  // key -> {layer, classes, signature}
    this.areas = new Map();  // key -> {layer, signature}
    this.tiles = null;
    this.tileErrors = 0;
    // Once the user moves the map (drag, zoom, keys), it stops following the extent of what it shows.
    this.userMoved = false;
    this.fitting = false;
    this.lastFit = '';
    this.map.on('dragstart zoomstart', () => {
      if (!this.fitting) this.userMoved = true;
    });
  }

  // The background from the server's configuration ({tile_url, attribution}); an empty tile_url: none.
  setTiles({ tile_url: url = '', attribution = '' } = {}) {
    if (this.tiles) {
      this.tiles.remove();
      this.tiles = null;
    }
    this.container().dataset.tiles = url ? 'on' : 'off';
    if (!url) return;
    this.tiles = this.L.tileLayer(url, {
      attribution: attribution ? String(html`${attribution}`) : '',
      maxZoom: 19,
      errorTileUrl: NO_TILE,
    });
    this.tiles.on('tileerror', () => {
      this.tileErrors += 1;
      this.showNote(true);
    });
    // A real tile that arrives clears the note; the stand-in of a failed one (which "loads" too) does not.
    this.tiles.on('tileload', (e) => {
      if (e.tile?.getAttribute('src') !== NO_TILE) this.showNote(false);
    });
    this.tiles.addTo(this.map);
  }

  showNote(visible) {
    if (this.note) this.note.hidden = !visible;
    this.container().dataset.tileError = visible ? 'true' : 'false';
  }

  container() {
    return this.map.getContainer();
  }

  // model: {sites: [{key, organization_id, location_id, name, site, position, status, affected, alerted, selected,
  // flash}], areas: [{key, incident_id, title, colour, polygons, circle}]}.
  update(model) {
    this.updateAreas(model.areas);
    this.updateSites(model.sites);
    if (!this.userMoved) this.fitToContent(model);
  }

  updateSites(sites) {
    const L = this.L;
    const present = new Set();
    for (const site of sites) {
      present.add(site.key);
      const classes = ['map-site', `status-${site.status}`];
      if (site.affected) classes.push('map-affected');
      if (site.alerted) classes.push('map-alerted');
      if (site.selected) classes.push('map-selected');
      if (site.flash) classes.push('map-flash');
      const radius = site.affected || site.selected ? AFFECTED_RADIUS : SITE_RADIUS;
      const tip = `${site.name}${site.site && site.site !== site.name ? ` — ${site.site}` : ''}`;
      let entry = this.sites.get(site.key);
      if (!entry) {
        const layer = L.circleMarker(site.position, {
          pane: 'sites', radius, weight: 2, fillOpacity: 1, bubblingMouseEvents: false,
        });
        layer.on('click', () => this.onSelect?.(layer.organizationId));
        layer.bindTooltip(textNode(tip), { direction: 'top', offset: [0, -radius] });
        layer.addTo(this.siteLayer);
        entry = { layer, classes: [], tip };
        this.sites.set(site.key, entry);
      }
      const { layer } = entry;
      layer.organizationId = site.organization_id;
      const [lat, lng] = site.position;
      const at = layer.getLatLng();
      if (at.lat !== lat || at.lng !== lng) layer.setLatLng(site.position);
      if (layer.getRadius() !== radius) layer.setRadius(radius);
      if (entry.tip !== tip) {
        layer.setTooltipContent(textNode(tip));
        entry.tip = tip;
      }
      const element = layer.getElement();
      setClasses(element, entry.classes, classes);
      entry.classes = classes;
      setData(element, { org: site.organization_id, location: site.location_id, status: site.status });
      if (site.selected) layer.bringToFront();
    }
    for (const [key, entry] of this.sites) {
      if (present.has(key)) continue;
      entry.layer.remove();
      this.sites.delete(key);
    }
  }

  updateAreas(areas) {
    const L = this.L;
    const present = new Set();
    for (const area of areas) {
      present.add(area.key);
      // An area is redrawn only when its shape, colour or title changed.
      const signature = JSON.stringify([area.polygons, area.circle, area.colour, area.title]);
      const existing = this.areas.get(area.key);
      if (existing?.signature === signature) continue;
      existing?.layer.remove();
      const options = { className: `map-area area-c${area.colour}`, weight: 2, fillOpacity: 0.15 };
      const parts = [];
      for (const ring of area.polygons) parts.push(L.polygon(ring, options));
      if (area.circle) parts.push(L.circle(area.circle.centre, { ...options, radius: area.circle.radius }));
      const layer = L.featureGroup(parts);
      layer.bindTooltip(textNode(area.title), { sticky: true });
      layer.addTo(this.areaLayer);
      parts.forEach((part, i) => setData(part.getElement(), {
        incident: area.incident_id, alert: area.alert_id, shape: i < area.polygons.length ? 'polygon' : 'circle',
      }));
      this.areas.set(area.key, { layer, signature });
    }
    for (const [key, entry] of this.areas) {
      if (present.has(key)) continue;
      entry.layer.remove();
      this.areas.delete(key);
    }
  }

  // Zooms to every site and drawn area (once there is one), until the user moves the map.
  fitToContent(model) {
    const points = model.sites.map((s) => s.position);
    for (const area of model.areas) {
      for (const ring of area.polygons) points.push(...ring);
      if (area.circle) {
        const bounds = this.L.latLng(area.circle.centre).toBounds(area.circle.radius * 2);
        points.push([bounds.getSouth(), bounds.getWest()], [bounds.getNorth(), bounds.getEast()]);
      }
    }
    if (points.length === 0) return;
    const signature = JSON.stringify(points);
    if (signature === this.lastFit) return;
    this.lastFit = signature;
    this.fitting = true;
    this.map.fitBounds(this.L.latLngBounds(points), { padding: [24, 24], maxZoom: 13, animate: false });
    this.fitting = false;
  }

  // After the container changed size (Leaflet follows the window by itself).
  resize() {
    this.map.invalidateSize();
  }
}
