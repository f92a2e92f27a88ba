// Draws bench/results.svg from the results object: panels of horizontal bars, hand-written SVG.
// First the headline (sign-in pages on the phone-like profile), then size, PKCE, exchange, cold start.

const W = 860;
const LABEL_X = 20;
const BAR_X = 240;
const BAR_MAX = 420;
const ROW_H = 26;
const BAR_H = 16;
const HIGHLIGHT = '#c2410c'; // oauth-spa
const OTHER = '#94a3b8';
const SECONDARY = '#fdba74'; // oauth-spa, context rows
const TARGET = '#0f766e';
const MET = '#15803d';
const MISSED = '#b91c1c';
const FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif\"";

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const int = (x) => Math.round(x).toLocaleString('en-US');

/**
 * panel: { title, subtitle, barMax?, target?: { value, label, met }, rows: [{ label, value, text, highlight }] }
 * Returns [svgText, height].
 */
function panel(y0, p) {
  const parts = [];
  let y = y0;
  const badge = p.target ? (p.target.met ? [p.target.metText || 'target met', MET] : ['target missed', MISSED]) : null;
  parts.push(`<text x="${LABEL_X}" y="${y + 16}" font-size="15" font-weight="600" fill="#0f172a">${esc(p.title)}</text>`);
  if (badge) {
    parts.push(`<text x="${W - 20}" y="${y + 16}" font-size="13" font-weight="600" text-anchor="end" fill="${badge[1]}">${esc(badge[0])}</text>`);
  }
  y += 22;
  parts.push(`<text x="${LABEL_X}" y="${y + 12}" font-size="12" fill="#475569">${esc(p.subtitle)}</text>`);
  y += 22;
  const max = Math.max(...p.rows.map((r) => r.value), p.target ? p.target.value : 0);
  const barMax = p.barMax || BAR_MAX;
  const scale = (v) => (max > 0 ? (v / max) * barMax : 0);
  const rowsTop = y;
  const rowsBottom = y + p.rows.length * ROW_H;
  if (p.target) { // drawn first, under the bars and labels
    const x = (BAR_X + scale(p.target.value)).toFixed(1);
    parts.push(`<line x1="${x}" y1="${rowsTop - 4}" x2="${x}" y2="${rowsBottom - 4}" stroke="${TARGET}" stroke-width="1.5" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${x}" y="${rowsBottom + 8}" font-size="11" text-anchor="middle" fill="${TARGET}">${esc(p.target.label)}</text>`);
  }
  for (const r of p.rows) {
    const w = Math.max(1, scale(r.value));
    const fill = r.highlight ? HIGHLIGHT : r.secondary ? SECONDARY : OTHER;
    const weight = r.highlight ? ' font-weight="600"' : '';
    parts.push(`<text x="${LABEL_X}" y="${y + 13}" font-size="13" fill="#0f172a"${weight}>${esc(r.label)}</text>`);
    parts.push(`<rect x="${BAR_X}" y="${y + 1}" width="${w.toFixed(1)}" height="${BAR_H}" rx="2" fill="${fill}"/>`);
    parts.push(`<text x="${(BAR_X + w + 6).toFixed(1)}" y="${y + 13}" font-size="12" fill="#0f172a" stroke="#ffffff" stroke-width="3" paint-order="stroke"${weight}>${esc(r.text)}</text>`);
    y += ROW_H;
  }
  if (p.target) y += 14;
  return [parts.join('\n'), y - y0 + 18];
}

export function renderSvg(r) {
  const KB = 1024;
  const t = Object.fromEntries(r.targets.map((x) => [x.id, x]));
  const panels = [];

  const p = r.phone;
  const pr = p.profile;
  const profile = `CPU ${pr.cpuThrottlingRate}x, ${pr.latencyMs} ms latency, ${pr.downloadKbps / 1000} Mbit/s down`;
  const HEAD = 'oauth-spa (wasm)';
  for (const [s, title] of [
    ['login first', 'First visit, login page: ms from navigation to the authorize URL (less is better)'],
    ['callback first', 'First visit, callback: ms from navigation to the TokenSet (less is better)'],
    ['login repeat', 'Repeat visit, login page (HTTP cache warm): ms to the authorize URL'],
    ['callback repeat', 'Repeat visit, callback (HTTP cache warm): ms to the TokenSet'],
  ]) {
    const first = s.endsWith('first');
    const base = p.ms[p.baseline][s].median;
    panels.push({
      title,
      subtitle: `Phone-like profile (${profile}), gzip served; median of ${p.rounds} alternated rounds; p25-p75 in brackets.`,
      barMax: 340, // room for the label of the longest bar
      target: first ? { value: base, label: 'oauth4webapi', met: p.ms[HEAD][s].median <= base } : undefined,
      rows: p.order.map((n) => {
        const m = p.ms[n][s];
        const x = p.ratioVsBaseline[n][s].median;
        return {
          label: n,
          value: m.median,
          text: `${int(m.median)} ms (${int(m.p25)}-${int(m.p75)})${n === p.baseline ? '' : `  ${x.toFixed(2)}x`}`,
          highlight: n === HEAD,
          secondary: n.startsWith('oauth-spa'),
        };
      }),
    });
  }

  panels.push({
    title: 'Size: gzip -9, KB of 1024 bytes (smaller is better)',
    subtitle: 'oauth-spa: every file of the release package (wasm + JS). Others: esbuild --bundle --minify of an entry doing the same job.',
    target: {
      value: 12 * KB,
      label: 'target 12 KB',
      met: t.size.met || Boolean(t['size-core']?.met),
      metText: t.size.met ? 'target met' : 'target met by oauth-spa/core only',
    },
    rows: r.size.rows.map((x) => ({
      label: x.name === 'pkce-challenge' ? 'pkce-challenge (PKCE only)'
        : x.name === 'oauth-spa' ? 'oauth-spa (everything)'
        : x.name === 'oauth-spa/core' ? 'oauth-spa/core (code flow)' : x.name,
      value: x.gzipBytes,
      text: `${(x.gzipBytes / KB).toFixed(1)} KB`,
      highlight: x.name === 'oauth-spa',
      secondary: x.name.startsWith('oauth-spa'),
    })),
  });

  const base = r.pkce.perSecond.oauth4webapi.median;
  panels.push({
    title: 'PKCE pairs per second (more is better)',
    subtitle: `Median of ${r.pkce.rounds} alternated rounds of ${r.pkce.roundMs} ms; ratio = per-round median vs oauth4webapi.`,
    target: { value: base * 5, label: '5x oauth4webapi', met: t.pkce.met },
    rows: r.pkce.order.map((n) => ({
      label: n === 'oauth-spa' ? 'oauth-spa (synchronous)' : n,
      value: r.pkce.perSecond[n].median,
      text: `${int(r.pkce.perSecond[n].median)}/s  (${r.pkce.ratioVsOauth4webapi[n].median.toFixed(1)}x)`,
      highlight: n === 'oauth-spa',
    })),
  });

  const fetchMs = r.exchange.ms['bare fetch'].median;
  panels.push({
    title: 'Code exchange on loopback: median ms (less is better)',
    subtitle: `${r.exchange.pairs} alternated exchanges against a local token endpoint; overhead vs the same POST with a bare fetch.`,
    target: { value: fetchMs * 1.05, label: 'fetch + 5 %', met: t.exchange.met },
    rows: r.exchange.order.map((n) => {
      const o = r.exchange.overheadVsBareFetch[n];
      const extra = o === undefined ? '' : `  (${o >= 0 ? '+' : ''}${(o * 100).toFixed(1)} %)`;
      return { label: n, value: r.exchange.ms[n].median, text: `${r.exchange.ms[n].median.toFixed(3)} ms${extra}`, highlight: n === 'oauth-spa handleCallback', secondary: n.startsWith('oauth-spa') };
    }),
  });

  const cold = Object.entries(r.coldStart);
  panels.push({
    title: 'Cold start of oauth-spa: median ms',
    subtitle: `${cold[0][1].samples} fresh browser profiles per entry: import the entry, then init() decompresses, compiles and instantiates the wasm it carries.`,
    rows: cold.flatMap(([name, c]) => [
      { label: `${name}: init()`, value: c.initMs.median, text: `${c.initMs.median.toFixed(2)} ms`, highlight: name === 'oauth-spa', secondary: true },
      { label: `${name}: import + init()`, value: c.importAndInitMs.median, text: `${c.importAndInitMs.median.toFixed(2)} ms` },
    ]),
  });

  const body = [];
  let y = 18;
  for (const p of panels) {
    const [svg, h] = panel(y, p);
    body.push(svg);
    y += h;
  }
  const m = r.machine;
  const foot = [
    `${r.mode === 'smoke' ? 'SMOKE RUN, not representative · ' : ''}oauth-spa ${r.versions['oauth-spa']} @ ${r.git.commit.slice(0, 7)}${r.git.dirty ? ' + uncommitted changes' : ''} · measured ${r.date.slice(0, 16).replace('T', ' ')} UTC by npm run bench`,
    `${m.cpu}, ${m.cores} cores · ${m.chromium} headless · load average (1/5/15 min) ${m.loadavgStart.join(' / ')} at start, ${m.loadavgEnd.join(' / ')} at end`,
  ];
  foot.forEach((line, i) => body.push(`<text x="${LABEL_X}" y="${y + 4 + i * 15}" font-size="11" fill="#64748b">${esc(line)}</text>`));
  const height = y + 18 + 15;
  const title = `oauth-spa benchmarks: first visit on a phone-like profile, login ${t['phone-login-first'].measured} vs oauth4webapi, callback ${t['phone-callback-first'].measured}; size ${t.size.measured} gzip${t['size-core'] ? ` (core ${t['size-core'].measured})` : ''}, PKCE ${t.pkce.measured} oauth4webapi, exchange overhead ${t.exchange.measured}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" role="img" aria-label="${esc(title)}" ${FONT}>`,
    `<title>${esc(title)}</title>`,
    `<rect width="${W}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
