// generate.mjs writes the reference data that cybernorms embeds:
//
//   internal/states/data/states.json    the 193 UN Member States and the 2 observer States,
//                                       with ISO 3166-1 codes, names in the six UN languages
//                                       and the UN regional group
//   internal/states/data/worldmap.json  an SVG world map (Equal Earth projection) with one
//                                       path per State, and a dot for States too small to
//                                       appear at 1:110m
//
// Run it with:  cd scripts/refdata && npm ci && node generate.mjs
//
// Names and codes come from npm i18n-iso-countries; shapes from npm world-atlas (Natural
// Earth), drawn with topojson-client and d3-geo. The list of Member States and their regional
// groups is not in any of those packages: it is the table below, from the UN Department for
// General Assembly and Conference Management (DGACM), "Regional groups of Member States".
// The script stops with an error whenever the data do not add up to 193 + 2 States.

import { createRequire } from "node:module";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import countries from "i18n-iso-countries";
import { feature, merge } from "topojson-client";
import { geoCentroid, geoEqualEarth, geoPath } from "d3-geo";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, "..", "..", "internal", "states", "data");

// The six official languages of the United Nations, in the UN's customary order.
const LANGS = ["ar", "zh", "en", "fr", "ru", "es"];

// ---------------------------------------------------------------------------------------------
// UN regional groups of Member States (DGACM list), by ISO 3166-1 alpha-3.
//
// 193 Member States: African 54, Asia-Pacific 54, Eastern European 23,
// Latin American and Caribbean 33, Western European and others 29 (28 members plus the
// United States, counted with the group for electoral purposes). Special cases are annotated
// in NOTES below.
// ---------------------------------------------------------------------------------------------
const GROUPS = {
  // African States (54)
  african: [
    "DZA", "AGO", "BEN", "BWA", "BFA", "BDI", "CPV", "CMR", "CAF", "TCD",
    "COM", "COG", "CIV", "COD", "DJI", "EGY", "GNQ", "ERI", "SWZ", "ETH",
    "GAB", "GMB", "GHA", "GIN", "GNB", "KEN", "LSO", "LBR", "LBY", "MDG",
    "MWI", "MLI", "MRT", "MUS", "MAR", "MOZ", "NAM", "NER", "NGA", "RWA",
    "STP", "SEN", "SYC", "SLE", "SOM", "ZAF", "SSD", "SDN", "TGO", "TUN",
    "UGA", "TZA", "ZMB", "ZWE",
  ],
  // Asia-Pacific States (54; DGACM also lists Türkiye here, see NOTES)
  "asia-pacific": [
    "AFG", "BHR", "BGD", "BTN", "BRN", "KHM", "CHN", "CYP", "PRK", "FJI",
    "IND", "IDN", "IRN", "IRQ", "JPN", "JOR", "KAZ", "KIR", "KWT", "KGZ",
    "LAO", "LBN", "MYS", "MDV", "MHL", "FSM", "MNG", "MMR", "NRU", "NPL",
    "OMN", "PAK", "PLW", "PNG", "PHL", "QAT", "KOR", "WSM", "SAU", "SGP",
    "SLB", "LKA", "SYR", "TJK", "THA", "TLS", "TON", "TKM", "TUV", "ARE",
    "UZB", "VUT", "VNM", "YEM",
  ],
  // Eastern European States (23)
  "eastern-european": [
    "ALB", "ARM", "AZE", "BLR", "BIH", "BGR", "HRV", "CZE", "EST", "GEO",
    "HUN", "LVA", "LTU", "MNE", "POL", "MDA", "ROU", "RUS", "SRB", "SVK",
    "SVN", "MKD", "UKR",
  ],
  // Latin American and Caribbean States (33)
  "latin-american-caribbean": [
    "ATG", "ARG", "BHS", "BRB", "BLZ", "BOL", "BRA", "CHL", "COL", "CRI",
    "CUB", "DMA", "DOM", "ECU", "SLV", "GRD", "GTM", "GUY", "HTI", "HND",
    "JAM", "MEX", "NIC", "PAN", "PRY", "PER", "KNA", "LCA", "VCT", "SUR",
    "TTO", "URY", "VEN",
  ],
  // Western European and other States (28 members, plus the United States: see NOTES)
  weog: [
    "AND", "AUS", "AUT", "BEL", "CAN", "DNK", "FIN", "FRA", "DEU", "GRC",
    "ISL", "IRL", "ISR", "ITA", "LIE", "LUX", "MLT", "MCO", "NLD", "NZL",
    "NOR", "PRT", "SMR", "ESP", "SWE", "CHE", "TUR", "GBR", "USA",
  ],
};

// Expected sizes of each group, so that a slip in the table above is caught at once.
const GROUP_SIZES = {
  african: 54,
  "asia-pacific": 54,
  "eastern-european": 23,
  "latin-american-caribbean": 33,
  weog: 29,
};

// The two non-member observer States. Palestine has been a full member of the Asia-Pacific
// Group since 2 April 1986 (then as the PLO); the Holy See belongs to no regional group.
const OBSERVERS = {
  PSE: "asia-pacific",
  VAT: "none",
};

// Special cases, checked against the DGACM list and its footnotes (and the UN Dag Hammarskjöld
// Library's note on regional groups). Each becomes the State's "group_note".
const NOTES = {
  USA:
    "Not a member of any regional group; attends meetings of the Western European and " +
    "other States Group as an observer and is considered a member of it for electoral purposes.",
  TUR:
    "Participates fully in both the Western European and other States Group and the " +
    "Asia-Pacific Group; for electoral purposes considered a member of the Western European " +
    "and other States Group only.",
  ISR:
    "Geographically in Asia; a full member of the Western European and other States Group " +
    "(on a temporary basis from May 2000, renewed permanently in 2004).",
  KIR:
    "Listed among the Asia-Pacific States by DGACM; older UN sources (2010) record Kiribati " +
    "as a member of no regional group.",
  PSE:
    "Non-member observer State; a full member of the Asia-Pacific Group since 1986.",
  VAT:
    "Non-member observer State; not a member of any regional group.",
};

// Short names the UN uses where the package's name differs in a way that matters: inverted
// "X, Republic of" forms, missing diacritics, names the UN does not use, and a few names
// given as an abbreviation with its expansion. Mostly English; kept short on purpose: every
// other name, in every language, is the package's own.
const NAME_OVERRIDES = {
  BOL: { en: "Bolivia (Plurinational State of)" },
  CHN: { en: "China", ru: "Китай" },
  CIV: { en: "Côte d'Ivoire" },
  COD: { es: "República Democrática del Congo" },
  COG: { en: "Congo" },
  CPV: { en: "Cabo Verde" },
  CZE: { en: "Czechia" },
  FSM: { en: "Micronesia (Federated States of)" },
  GBR: { en: "United Kingdom of Great Britain and Northern Ireland" },
  GMB: { en: "Gambia" },
  IRN: { en: "Iran (Islamic Republic of)" },
  KOR: { en: "Republic of Korea" },
  MDA: { en: "Republic of Moldova" },
  MKD: { en: "North Macedonia" },
  PRK: { en: "Democratic People's Republic of Korea", ru: "Корейская Народно-Демократическая Республика" },
  VAT: { en: "Holy See", fr: "Saint-Siège" },
  VEN: { en: "Venezuela (Bolivarian Republic of)" },
  VNM: { en: "Viet Nam" },
};

// Longitude and latitude of States that have no shape even in the 1:50m Natural Earth
// data, so that they can still be drawn as a dot (capital or main island).
const FALLBACK_LONLAT = {
  TUV: [179.2, -8.5], // Funafuti
};

// Natural Earth draws a few areas apart from the State that the UN recognises as sovereign
// over them and gives them no ISO code. Those two are drawn as part of that State; other
// land outside the 195 States (Antarctica, Greenland, Western Sahara, Taiwan, Kosovo, ...)
// stays in the neutral "land" layer.
const MERGE_INTO = {
  "N. Cyprus": "CYP",
  Somaliland: "SOM",
};

function fail(msg) {
  console.error(`generate.mjs: ${msg}`);
  process.exit(1);
}

// version reads the installed version of an npm package (some packages do not export their
// package.json, so it is read from node_modules directly).
function version(pkg) {
  const file = join(here, "node_modules", pkg, "package.json");
  return JSON.parse(readFileSync(file, "utf8")).version;
}

// ---------------------------------------------------------------------------------------------
// States
// ---------------------------------------------------------------------------------------------

function buildStates() {
  for (const lang of LANGS) {
    countries.registerLocale(require(`i18n-iso-countries/langs/${lang}.json`));
  }

  const table = new Map(); // alpha-3 -> { group, observer }
  for (const [group, codes] of Object.entries(GROUPS)) {
    if (codes.length !== GROUP_SIZES[group]) {
      fail(`group ${group} lists ${codes.length} States, want ${GROUP_SIZES[group]}`);
    }
    for (const a3 of codes) {
      if (table.has(a3)) fail(`${a3} is listed twice in the regional groups`);
      table.set(a3, { group, observer: false });
    }
  }
  for (const [a3, group] of Object.entries(OBSERVERS)) {
    if (table.has(a3)) fail(`observer ${a3} is also listed as a Member State`);
    table.set(a3, { group, observer: true });
  }
  for (const a3 of [...Object.keys(NOTES), ...Object.keys(NAME_OVERRIDES)]) {
    if (!table.has(a3)) fail(`${a3} has a note or name override but is not a listed State`);
  }

  const members = [...table.values()].filter((s) => !s.observer).length;
  const observers = table.size - members;
  if (members !== 193 || observers !== 2) {
    fail(`found ${members} Member States and ${observers} observers, want 193 + 2`);
  }

  const states = [];
  for (const [a3, { group, observer }] of table) {
    const a2 = countries.alpha3ToAlpha2(a3);
    const numeric = countries.alpha3ToNumeric(a3);
    if (!a2 || !numeric) fail(`${a3} is unknown to i18n-iso-countries`);
    const names = {};
    for (const lang of LANGS) {
      const name = countries.getName(a2, lang, { select: "official" });
      if (!name) fail(`${a3} has no ${lang} name in i18n-iso-countries`);
      names[lang] = NAME_OVERRIDES[a3]?.[lang] ?? name;
    }
    if (names.en.includes(", ")) {
      fail(`${a3} English name "${names.en}" is inverted; add it to NAME_OVERRIDES`);
    }
    const state = { iso2: a2, iso3: a3, numeric, names, group };
    if (NOTES[a3]) state.group_note = NOTES[a3];
    state.observer = observer;
    states.push(state);
  }
  states.sort((a, b) => a.iso3.localeCompare(b.iso3));
  return states;
}

// ---------------------------------------------------------------------------------------------
// World map
// ---------------------------------------------------------------------------------------------

function buildMap(states) {
  const atlas110 = require("world-atlas/countries-110m.json");
  const atlas50 = require("world-atlas/countries-50m.json");
  const byNumeric = (atlas) => {
    const m = new Map();
    for (const f of feature(atlas, atlas.objects.countries).features) {
      if (f.id !== undefined) m.set(f.id, f);
    }
    return m;
  };
  const shapes110 = byNumeric(atlas110);
  const shapes50 = byNumeric(atlas50);

  const width = 960;
  const sphere = { type: "Sphere" };
  const projection = geoEqualEarth().fitWidth(width, sphere);
  const path = geoPath(projection).digits(1);
  const [[, y0], [, y1]] = path.bounds(sphere);
  const height = Math.ceil(y1 - y0);
  projection.translate([projection.translate()[0], projection.translate()[1] - y0]);

  // Shapes at 1:110m by numeric code, with the MERGE_INTO areas joined to their State.
  const geometries = atlas110.objects.countries.geometries;
  const merged = new Map();
  for (const [name, a3] of Object.entries(MERGE_INTO)) {
    const numeric = countries.alpha3ToNumeric(a3);
    const part = geometries.find((g) => g.properties.name === name);
    const whole = geometries.find((g) => g.id === numeric);
    if (!part || !whole) fail(`cannot merge ${name} into ${a3}: shape not found`);
    merged.set(numeric, { type: "Feature", id: numeric, geometry: merge(atlas110, [whole, part]) });
  }
  const mergedNames = new Set(Object.keys(MERGE_INTO));

  const round = (v) => Math.round(v * 10) / 10;
  const paths = {};
  const points = {};
  for (const s of states) {
    const shape = merged.get(s.numeric) ?? shapes110.get(s.numeric);
    if (shape) {
      const d = path(shape);
      if (!d) fail(`${s.iso3} has an empty path at 1:110m`);
      paths[s.iso3] = d;
      continue;
    }
    const small = shapes50.get(s.numeric);
    const lonlat = small ? geoCentroid(small) : FALLBACK_LONLAT[s.iso3];
    if (!lonlat) fail(`${s.iso3} has no shape in world-atlas and no FALLBACK_LONLAT entry`);
    const xy = projection(lonlat);
    points[s.iso3] = [round(xy[0]), round(xy[1])];
  }

  // Land that belongs to none of the 195 States (Antarctica, Greenland, Western Sahara,
  // Taiwan, Kosovo and others): one merged path, drawn in a neutral colour beneath the States.
  const known = new Set(states.map((s) => s.numeric));
  const others = geometries.filter((g) => !known.has(g.id) && !mergedNames.has(g.properties.name));
  const land = path(merge(atlas110, others));

  return { width, height, sphere: path(sphere), land, paths, points };
}

// ---------------------------------------------------------------------------------------------

function sortedObject(obj) {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => a.localeCompare(b)));
}

function main() {
  const states = buildStates();
  const map = buildMap(states);

  const source = {
    "i18n-iso-countries": version("i18n-iso-countries"),
    "world-atlas": version("world-atlas"),
    "topojson-client": version("topojson-client"),
    "d3-geo": version("d3-geo"),
    groups: "UN DGACM, Regional groups of Member States",
  };

  mkdirSync(outDir, { recursive: true });
  const statesJSON = JSON.stringify({ source, states }, null, 1) + "\n";
  writeFileSync(join(outDir, "states.json"), statesJSON);

  const mapJSON =
    JSON.stringify({
      source: { ...source, projection: "Equal Earth", scale: "1:110m (dots from 1:50m)" },
      width: map.width,
      height: map.height,
      sphere: map.sphere,
      land: map.land,
      paths: sortedObject(map.paths),
      points: sortedObject(map.points),
    }) + "\n";
  writeFileSync(join(outDir, "worldmap.json"), mapJSON);

  const kb = (s) => (Buffer.byteLength(s) / 1024).toFixed(0);
  console.log(
    `states.json: ${states.length} States (${kb(statesJSON)} KB); ` +
      `worldmap.json: ${Object.keys(map.paths).length} paths, ` +
      `${Object.keys(map.points).length} points, ${map.width}x${map.height} (${kb(mapJSON)} KB)`,
  );
}

main();
