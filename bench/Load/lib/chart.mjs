// The latency chart: percentile distribution curves (HdrHistogram's plot: x = percentile on a
// 1/(1-p) log scale, y = latency on a log scale) for every chat step, end-to-end solid and
// acknowledgement dashed, with the 50 ms p99 target drawn across. Plain SVG, opens in any browser.
import { writeFileSync } from "node:fs";
import { Histogram } from "./histogram.mjs";

const W = 1040;
const H = 600;
const M = { left: 80, right: 360, top: 60, bottom: 70 };
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
const X_MAX = 5; // 99.999th percentile

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const fmtMs = (v) => String(Number(v.toPrecision(3)));

export function renderChart(report) {
  const series = [];
  report.results.forEach((r) => {
    if (!r.histograms?.e2e) return;
    const color = COLORS[Math.floor(series.length / 2) % COLORS.length];
    for (const kind of ["e2e", "ack"]) {
      const h = Histogram.fromJSON(r.histograms[kind]);
      if (h.total === 0) continue;
      series.push({ name: r.name, kind, color, dashed: kind === "ack", h, points: h.percentileCurve(5).map(([p, us]) => [xOf(p, h.total), Math.max(us, 1) / 1000]) });
    }
  });

  const all = series.flatMap((s) => s.points.map(([, y]) => y));
  const yMin = all.length ? 10 ** Math.floor(Math.log10(Math.max(0.01, Math.min(...all)))) : 0.1;
  const yMax = all.length ? 10 ** Math.ceil(Math.log10(Math.max(100, ...all))) : 1000;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const X = (x) => M.left + (Math.min(x, X_MAX) / X_MAX) * pw;
  const Y = (ms) => M.top + ph - ((Math.log10(ms) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * ph;

  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="13">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${M.left}" y="28" font-size="18" font-weight="bold">Orleans.Chat — message latency by percentile</text>`);
  out.push(`<text x="${M.left}" y="48" fill="#555">${esc(`${report.date.slice(0, 16).replace("T", " ")} UTC · ${report.machine.cores} cores (${report.machine.cpuModel}) · server and generator on one machine`)}</text>`);

  // Grid and axes.
  for (let d = Math.log10(yMin); d <= Math.log10(yMax) + 1e-9; d++) {
    for (const f of [1, 2, 5]) {
      const v = 10 ** d * f;
      if (v > yMax * 1.0001) continue;
      const y = Y(v);
      out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${y}" y2="${y}" stroke="${f === 1 ? "#ccc" : "#eee"}"/>`);
      // Over many decades the 2s would crowd the axis: label 1s and 5s only.
      if (f !== 2 || Math.log10(yMax / yMin) <= 3) out.push(`<text x="${M.left - 8}" y="${y + 4}" text-anchor="end" fill="#333">${fmtMs(v)}</text>`);
    }
  }
  for (const [x, label] of [[0, "0%"], [1, "90%"], [2, "99%"], [3, "99.9%"], [4, "99.99%"], [5, "99.999%"]]) {
    out.push(`<line x1="${X(x)}" x2="${X(x)}" y1="${M.top}" y2="${M.top + ph}" stroke="#ddd"/>`);
    out.push(`<text x="${X(x)}" y="${M.top + ph + 20}" text-anchor="middle" fill="#333">${label}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 22}" text-anchor="middle">percentile</text>`);
  out.push(`<text transform="translate(22 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">latency (ms, log scale)</text>`);

  // The target: p99 end-to-end under 50 ms at 4,000 msgs/s.
  if (50 > yMin && 50 < yMax) {
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${Y(50)}" y2="${Y(50)}" stroke="#e377c2" stroke-width="1.5" stroke-dasharray="2 4"/>`);
    out.push(`<line x1="${X(2)}" x2="${X(2)}" y1="${Y(50) - 6}" y2="${Y(50) + 6}" stroke="#e377c2" stroke-width="2"/>`);
    out.push(`<text x="${M.left + pw - 6}" y="${Y(50) - 6}" text-anchor="end" fill="#b0308f">target: p99 end-to-end &lt; 50 ms at 4,000 msgs/s</text>`);
  }

  for (const s of series) {
    const d = s.points.map(([x, y], i) => `${i ? "L" : "M"}${X(x).toFixed(1)},${Y(Math.min(Math.max(y, yMin), yMax)).toFixed(1)}`).join(" ");
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.dashed ? 1.5 : 2.5}"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
  }

  // Legend with the figures, so the chart reads on its own.
  let ly = M.top + 4;
  const lx = M.left + pw + 20;
  out.push(`<text x="${lx}" y="${ly}" font-weight="bold">series</text><text x="${lx + 190}" y="${ly}" font-weight="bold" text-anchor="end">p50</text><text x="${lx + 250}" y="${ly}" font-weight="bold" text-anchor="end">p99</text><text x="${lx + 305}" y="${ly}" font-weight="bold" text-anchor="end">max</text>`);
  ly += 8;
  for (const s of series) {
    ly += 22;
    out.push(`<line x1="${lx}" x2="${lx + 26}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="${s.dashed ? 1.5 : 2.5}"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
    out.push(`<text x="${lx + 32}" y="${ly}">${esc(`${s.name.replace(/^chat-1to1-/, "chat ")} ${s.kind === "e2e" ? "end-to-end" : "ack"}`)}</text>`);
    const sm = s.h.summary();
    out.push(`<text x="${lx + 190}" y="${ly + 16}" text-anchor="end" fill="#333">${fmtMs(sm.p50 / 1000)}</text><text x="${lx + 250}" y="${ly + 16}" text-anchor="end" fill="#333">${fmtMs(sm.p99 / 1000)}</text><text x="${lx + 305}" y="${ly + 16}" text-anchor="end" fill="#333">${fmtMs(sm.max / 1000)}</text>`);
    ly += 16;
  }
  ly += 30;
  for (const r of report.results.filter((x) => x.throughput)) {
    out.push(`<text x="${lx}" y="${ly}" fill="#333">${esc(`${r.name}: ${r.throughput.deliveredPerSec.toLocaleString("en-US")} delivered/s${r.throughput.targetPerSec ? ` (offered ${r.throughput.targetPerSec.toLocaleString("en-US")}/s)` : ""}`)}</text>`);
    ly += 18;
  }
  out.push(`<text x="${lx}" y="${ly + 12}" fill="#777" font-size="11">all figures in ms; solid = send to recipient's event,</text>`);
  out.push(`<text x="${lx}" y="${ly + 26}" fill="#777" font-size="11">dashed = send to acknowledgement</text>`);
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

/** x position of a percentile: log10(1/(1-p)); 100% sits where one sample in `total` would. */
function xOf(p, total) {
  if (p >= 100) return Math.min(X_MAX, Math.log10(Math.max(total, 1)));
  return Math.log10(1 / (1 - p / 100));
}

export function writeChart(path, report) {
  writeFileSync(path, renderChart(report));
}
