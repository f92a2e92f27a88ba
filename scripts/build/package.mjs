// The declarations of init() and the package.json of the package folder (scripts/postbuild.mjs).

const INIT = `/** Which engine runs the package: WebAssembly, or its JavaScript translation (wasm2js) where
 * WebAssembly is missing or refused (Lockdown Mode, a CSP without 'wasm-unsafe-eval'). */
export type Engine = "wasm" | "js";

/**
 * Loads the engine once; importing the package starts it. Resolves to the engine that runs.
 * Await it before calling a synchronous function (\`createPkcePair\`, \`startLogin\`, ...), which
 * throws \`not_initialized\` until then; functions that return a promise wait for it themselves.
 * Rejects with an \`OAuthError\` \`not_initialized\` (its \`cause\` says why) when no engine loads;
 * calling it again tries again.
 */
export default function init(): Promise<Engine>;
`;

/** wasm-bindgen's declarations of its loader (InitInput, initSync, ...) replaced by init()'s. */
export function initDeclarations(dts) {
  const at = dts.search(/^export type InitInput\b/m);
  if (at < 0) throw new Error('the declarations have no `export type InitInput`');
  if (!/^export default function __wbg_init\b/m.test(dts.slice(at))) {
    throw new Error('the declarations have no default export __wbg_init');
  }
  return dts.slice(0, at) + INIT;
}

/**
 * package.json of the package folder: name, version and description from Cargo.toml; the
 * repository, homepage and bugs of the workspace package.json; one `exports` key per entry
 * (`oauth-spa` for oauth_spa, `oauth-spa/<x>` for oauth_spa_<x>: `core`, `dpop`) and nothing
 * else public.
 */
export function packageJson({ cargo, workspace, names }) {
  const field = (k) => {
    const m = new RegExp(`^${k} = "(.*)"$`, 'm').exec(cargo.split(/^\[/m).find((s) => s.startsWith('package]')) ?? '');
    if (!m) throw new Error(`Cargo.toml [package] has no ${k}`);
    return m[1];
  };
  const keywords = /^keywords = \[(.*)\]$/m.exec(cargo);
  const exports = {};
  const files = ['LICENSE-APACHE', 'LICENSE-MIT', 'README.md'];
  for (const n of names) {
    const sub = n === 'oauth_spa' ? '.' : `./${n.replace(/^oauth_spa_/, '')}`;
    exports[sub] = { types: `./${n}.d.ts`, default: `./${n}.js` };
    files.push(`${n}.js`, `${n}.d.ts`, `${n}_fallback.js`);
    if (sub !== '.') files.push(`${sub.slice(2)}.js`, `${sub.slice(2)}.d.ts`);
  }
  // The vault worker (oauth_spa_vault.js, beside the DPoP entry it imports): an entry point for
  // the tools that do not bundle `new Worker(new URL(...))` themselves (esbuild, Rollup).
  if (names.includes('oauth_spa_dpop')) {
    exports['./vault'] = { types: './oauth_spa_vault.d.ts', default: './oauth_spa_vault.js' };
    files.push('oauth_spa_vault.js', 'oauth_spa_vault.d.ts');
  }
  exports['./package.json'] = './package.json';
  const pkg = {
    name: 'oauth-spa',
    version: field('version'),
    description: field('description'),
    license: field('license'),
    type: 'module',
  };
  for (const k of ['repository', 'homepage', 'bugs']) if (workspace[k]) pkg[k] = workspace[k];
  if (keywords) pkg.keywords = JSON.parse(`[${keywords[1]}]`);
  Object.assign(pkg, {
    files: files.sort(),
    main: './oauth_spa.js',
    types: './oauth_spa.d.ts',
    exports,
    // Importing an entry starts loading its engine, nothing more: an entry a bundle does not use
    // may be dropped.
    sideEffects: false,
  });
  return pkg;
}

/**
 * For a tool that resolves `oauth-spa/core` (or `oauth-spa/dpop`) by path, not through `exports`
 * (Parcel unless the app enables package exports; TypeScript's node10 resolution): `core.js` and
 * `core.d.ts` (`dpop.js`, `dpop.d.ts`) at the package root, re-exporting the entry. Returns [file, text] pairs.
 */
export function pathEntries(names) {
  return names.filter((n) => n !== 'oauth_spa').flatMap((n) => {
    const sub = n.replace(/^oauth_spa_/, '');
    const text = `export * from './${n}.js';\nexport { default } from './${n}.js';\n`;
    return [[`${sub}.js`, text], [`${sub}.d.ts`, text]];
  });
}
