// Draws the app icons (public/icons/*.png) from the same few shapes as icon.svg: a calm grey
// tile with a light trend line. Plain Node (zlib for PNG), no image tools needed.
// Run: node scripts/make-icons.mjs
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const out = new URL('../public/icons/', import.meta.url);
const tile = [0x2e, 0x2e, 0x2e];
const line = [0xf0, 0xf0, 0xf0];
// The trend line in a 0..1 content box, and the marker at its end.
const points = [
  [0.1, 0.66],
  [0.3, 0.66],
  [0.42, 0.3],
  [0.56, 0.78],
  [0.68, 0.5],
  [0.9, 0.5],
];
const strokeWidth = 0.09;

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function distToSegment(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/**
 * `inset`: where the content box sits (maskable icons keep it in the 80 % safe zone);
 * `radius`: tile corner radius (0 = full bleed); `tileOn`: draw the tile at all (badge: no).
 */
function draw(size, { inset, radius, tileOn }) {
  const rgba = Buffer.alloc(size * size * 4);
  const ss = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let tileCover = 0;
      let lineCover = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const u = (x + (sx + 0.5) / ss) / size;
          const v = (y + (sy + 0.5) / ss) / size;
          const r = radius;
          const cx = Math.min(Math.max(u, r), 1 - r);
          const cy = Math.min(Math.max(v, r), 1 - r);
          if (!tileOn || Math.hypot(u - cx, v - cy) <= r) tileCover++;
          const cu = (u - inset) / (1 - 2 * inset);
          const cv = (v - inset) / (1 - 2 * inset);
          let d = Infinity;
          for (let i = 1; i < points.length; i++) d = Math.min(d, distToSegment(cu, cv, points[i - 1], points[i]));
          if (d <= strokeWidth / 2 || Math.hypot(cu - 0.9, cv - 0.5) <= 0.085) lineCover++;
        }
      }
      const n = ss * ss;
      const i = (y * size + x) * 4;
      if (!tileOn) {
        rgba.set([255, 255, 255, Math.round((lineCover / n) * 255)], i);
        continue;
      }
      const a = lineCover / n;
      const color = tile.map((c, k) => Math.round(c * (1 - a) + line[k] * a));
      rgba.set([...color, Math.round((tileCover / n) * 255)], i);
    }
  }
  return png(size, rgba);
}

const files = {
  'icon-192.png': draw(192, { inset: 0.12, radius: 0.2, tileOn: true }),
  'icon-512.png': draw(512, { inset: 0.12, radius: 0.2, tileOn: true }),
  'maskable-192.png': draw(192, { inset: 0.22, radius: 0, tileOn: true }),
  'maskable-512.png': draw(512, { inset: 0.22, radius: 0, tileOn: true }),
  'apple-touch-icon.png': draw(180, { inset: 0.16, radius: 0, tileOn: true }),
  'badge-96.png': draw(96, { inset: 0.08, radius: 0, tileOn: false }),
};
for (const [name, data] of Object.entries(files)) writeFileSync(new URL(name, out), data);

const path = points.map(([x, y], i) => `${i ? 'L' : 'M'}${(12 + x * 76).toFixed(1)} ${(12 + y * 76).toFixed(1)}`).join(' ');
writeFileSync(
  new URL('icon.svg', out),
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect width="100" height="100" rx="20" fill="#2e2e2e"/><path d="${path}" fill="none" stroke="#f0f0f0" stroke-width="6.8" stroke-linecap="round" stroke-linejoin="round"/><circle cx="${(12 + 0.9 * 76).toFixed(1)}" cy="${(12 + 0.5 * 76).toFixed(1)}" r="6.5" fill="#f0f0f0"/></svg>\n`,
);
console.log(`wrote ${Object.keys(files).length + 1} icons to public/icons/`);
