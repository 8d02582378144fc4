// Lists import cycles in server/: between files, and between top-level folders (with the edges that close each). Usage: node scripts/import-cycles.mjs
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { dirname, join, resolve, relative } from "node:path";
const files = [];
(function walk(d) { for (const n of readdirSync(d)) { const p = join(d, n); if (statSync(p).isDirectory()) walk(p); else if (p.endsWith(".ts")) files.push(p); } })("server");
const edges = new Map();
for (const f of files) {
  const out = new Set();
  for (const m of readFileSync(f, "utf8").matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
    const t = relative(".", resolve(dirname(f), m[1].replace(/\.js$/, ".ts")));
    if (existsSync(t)) out.add(t);
  }
  edges.set(f, out);
}
function sccs(nodes, next) {
  let i = 0; const idx = new Map(), low = new Map(), st = [], on = new Set(), res = [];
  function sc(v) { idx.set(v, i); low.set(v, i++); st.push(v); on.add(v);
    for (const w of next(v)) { if (!idx.has(w)) { sc(w); low.set(v, Math.min(low.get(v), low.get(w))); } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w))); }
    if (low.get(v) === idx.get(v)) { const c = []; let w; do { w = st.pop(); on.delete(w); c.push(w); } while (w !== v); if (c.length > 1) res.push(c); } }
  for (const v of nodes) if (!idx.has(v)) sc(v);
  return res;
}
const fileCycles = sccs(files, (v) => edges.get(v) ?? []);
console.log("file cycles:", fileCycles.length); for (const c of fileCycles) console.log("  ", c.join(" "));
const folder = (f) => { const parts = f.split("/"); return parts.length > 2 ? parts.slice(0, 2).join("/") : f; };
const fe = new Map();
for (const [f, ts] of edges) for (const t of ts) { const a = folder(f), b = folder(t); if (a !== b) { if (!fe.has(a)) fe.set(a, new Map()); const m = fe.get(a); if (!m.has(b)) m.set(b, []); m.get(b).push(`${f} -> ${t}`); } }
const folderCycles = sccs([...fe.keys()], (v) => fe.get(v)?.keys() ?? []);
console.log("folder cycles:", folderCycles.length);
for (const c of folderCycles) { console.log("  ", c.join(" ")); const set = new Set(c); for (const a of c) for (const [b, why] of fe.get(a) ?? []) if (set.has(b)) console.log("     ", a, "->", b, ":", why.slice(0, 3).join("; ")); }
