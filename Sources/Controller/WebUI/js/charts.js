// Charts drawn as SVG from numbers, with the same numbers as a table for screen readers and
// anyone who wants them. Colours come from CSS variables, so both themes read well.

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** The points of a line through `values` in a `width`×`height` box, scaled to `top`. */
function line(values, width, height, top) {
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values.map((value, index) => `${(index * step).toFixed(1)},${(height - (top ? (value / top) * height : 0)).toFixed(1)}`).join(" ");
}

/** A small line of `values` (with `errors` over it when given) for a list row: an image whose
 * name says what it shows. */
export function sparkline(values, errors, label) {
  const width = 100, height = 24;
  const top = Math.max(1, ...values, ...(errors ?? []));
  return svg("svg", { class: "sparkline", viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none", role: "img", "aria-label": label },
    svg("polyline", { class: "series-requests", points: line(values, width, height - 1, top) }),
    ...(errors ? [svg("polyline", { class: "series-errors", points: line(errors, width, height - 1, top) })] : []));
}

/**
 * A line chart of `points` (objects) for each of `series` ([{key, label, className}]), over
 * `times` (seconds since 1970, one per point), with its numbers in a table under a disclosure;
 * `counts` ([{key, label}]) adds columns of whole numbers to that table only. `format(value)`
 * writes a value for people.
 */
export function lineChart({ title, points, times, series, format, counts = [] }) {
  const width = 600, height = 160;
  const top = Math.max(0, ...series.flatMap((s) => points.map((p) => p[s.key] ?? 0)));
  const time = (seconds) => new Date(seconds * 1000).toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
  const figure = document.createElement("figure");
  figure.className = "chart";
  const caption = document.createElement("figcaption");
  caption.textContent = title;
  const legend = document.createElement("span");
  legend.className = "legend";
  for (const s of series) {
    const key = document.createElement("span");
    key.className = `key ${s.className}`;
    key.textContent = s.label;
    legend.append(key);
  }
  caption.append(" ", legend);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height + 16}`, role: "img",
    "aria-label": `${title}: ${series.map((s) => `${s.label} peak ${format(Math.max(0, ...points.map((p) => p[s.key] ?? 0)))}`).join(", ")}` },
    svg("line", { class: "axis", x1: 0, y1: height, x2: width, y2: height }),
    svg("text", { class: "tick", x: 2, y: 11 }, format(top)),
    svg("text", { class: "tick", x: 2, y: height + 13 }, times.length ? time(times[0]) : ""),
    svg("text", { class: "tick", x: width - 2, y: height + 13, "text-anchor": "end" }, times.length ? time(times[times.length - 1]) : ""),
    ...series.map((s) => svg("polyline", { class: s.className, points: line(points.map((p) => p[s.key] ?? 0), width, height, top) })));
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  summary.textContent = `${title}: the numbers`;
  const table = document.createElement("table");
  table.className = "chart-data";
  const head = table.createTHead().insertRow();
  for (const text of ["Time", ...series.map((s) => s.label), ...counts.map((c) => c.label)]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = text;
    head.append(th);
  }
  const body = table.createTBody();
  points.forEach((point, index) => {
    const row = body.insertRow();
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = time(times[index]);
    row.append(th);
    for (const s of series) row.insertCell().textContent = point[s.key] === null || point[s.key] === undefined ? "—" : format(point[s.key]);
    for (const c of counts) row.insertCell().textContent = String(point[c.key] ?? 0);
  });
  details.append(summary, table);
  figure.append(caption, chart, details);
  return figure;
}

/** 1234567 → "1.2 M"; for counts and rates. */
export function compact(value) {
  if (value === null || value === undefined) return "—";
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toFixed(1)} G`;
  if (abs >= 1e6) return `${(value / 1e6).toFixed(1)} M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(1)} k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(abs < 1 ? 3 : 1);
}

/** Bytes for people: "1.5 MB". */
export function bytes(value) {
  if (value === null || value === undefined) return "—";
  const units = ["B", "kB", "MB", "GB", "TB"];
  let index = 0, amount = value;
  while (amount >= 1000 && index < units.length - 1) { amount /= 1000; index += 1; }
  return `${index ? amount.toFixed(1) : amount} ${units[index]}`;
}
