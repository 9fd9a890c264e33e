#!/usr/bin/env node
// Generates the TLS registries under packages/core/src/tls/registry/ from the checked-in
// data in scripts/iana-data/:
//   *.csv                 IANA registries (code,name), transcribed by hand with source notes
//   wireshark-4.0/*.csv   the value strings tshark 4.0 prints for TLS fields (code,name)
//
//   node scripts/gen-iana.mjs                      regenerate the TypeScript tables
//   node scripts/gen-iana.mjs --extract-wireshark [values.tsv]
//       refresh wireshark-4.0/*.csv from `tshark -G values` output (runs tshark when no file)
//
// The cipher-suite decomposition (key exchange, authentication, cipher, key size, mode,
// MAC, PRF hash) is derived from the IANA names by the rules in `decompose` below.
import { readFileSync, writeFileSync, readdirSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = join(root, 'scripts', 'iana-data');
const wsDir = join(dataDir, 'wireshark-4.0');
const outDir = join(root, 'packages', 'core', 'src', 'tls', 'registry');

/** TLS fields whose tshark value strings are kept (file name = field abbreviation). */
const WS_FIELDS = [
  'tls.handshake.ciphersuite',
  'tls.handshake.extension.type',
  'tls.handshake.extensions_supported_group',
  'tls.handshake.sig_hash_alg',
  'tls.handshake.sig_hash_hash',
  'tls.handshake.sig_hash_sig',
  'tls.alert_message.desc',
  'tls.alert_message.level',
  'tls.handshake.type',
  'tls.record.content_type',
  'tls.record.version',
  'tls.handshake.extensions_ec_point_format',
  'tls.extension.psk_ke_mode',
  'tls.compress_certificate.algorithm',
  'tls.handshake.comp_method',
  'tls.handshake.cert_type',
  'tls.handshake.server_curve_type',
  'tls.handshake.extensions_status_request_type',
  'tls.handshake.extensions_server_name_type',
  'tls.handshake.max_fragment_length',
  'tls.handshake.key_update.request_update',
  'tls.heartbeat_message.type',
  'tls.handshake.extension.heartbeat.mode',
  'tls.handshake.cert_url_type',
  'tls.handshake.cipherspec',
];

function parseNum(s) {
  return s.startsWith('0x') || s.startsWith('0X') ? parseInt(s.slice(2), 16) : parseInt(s, 10);
}

function readCsv(path) {
  const rows = [];
  let header = true;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    if (header) { header = false; continue; }
    const i = line.indexOf(',');
    rows.push([parseNum(line.slice(0, i)), line.slice(i + 1)]);
  }
  return rows;
}

function extractWireshark(file) {
  const text = file ? readFileSync(file, 'utf8') : execFileSync('tshark', ['-G', 'values'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const by = new Map(WS_FIELDS.map((f) => [f, []]));
  for (const line of text.split('\n')) {
    const c = line.split('\t');
    if (c[0] !== 'V' || !by.has(c[1])) continue;
    by.get(c[1]).push([parseNum(c[2]), c[3]]);
  }
  mkdirSync(wsDir, { recursive: true });
  for (const [f, rows] of by) {
    const out = [`# tshark 4.0 value strings for ${f} (from \`tshark -G values\`)`, 'code,name'];
    for (const [c, n] of rows) out.push(`${c},${n}`);
    writeFileSync(join(wsDir, `${f}.csv`), out.join('\n') + '\n');
  }
  console.log(`wrote ${by.size} files to ${wsDir}`);
}

// ---------------------------------------------------------------------------------------
// Cipher suite decomposition
// ---------------------------------------------------------------------------------------

const KX = {
  NULL: ['NULL', 'NULL'],
  RSA: ['RSA', 'RSA'],
  RSA_EXPORT: ['RSA', 'RSA'],
  RSA_EXPORT1024: ['RSA', 'RSA'],
  DH_DSS: ['DH', 'DSS'],
  DH_DSS_EXPORT: ['DH', 'DSS'],
  DH_RSA: ['DH', 'RSA'],
  DH_RSA_EXPORT: ['DH', 'RSA'],
  DHE_DSS: ['DHE', 'DSS'],
  DHE_DSS_EXPORT: ['DHE', 'DSS'],
  DHE_DSS_EXPORT1024: ['DHE', 'DSS'],
  DHE_RSA: ['DHE', 'RSA'],
  DHE_RSA_EXPORT: ['DHE', 'RSA'],
  DH_anon: ['DH', 'anon'],
  DH_anon_EXPORT: ['DH', 'anon'],
  KRB5: ['KRB5', 'KRB5'],
  KRB5_EXPORT: ['KRB5', 'KRB5'],
  PSK: ['PSK', 'PSK'],
  DHE_PSK: ['DHE_PSK', 'PSK'],
  PSK_DHE: ['DHE_PSK', 'PSK'],
  RSA_PSK: ['RSA_PSK', 'RSA'],
  ECDH_ECDSA: ['ECDH', 'ECDSA'],
  ECDHE_ECDSA: ['ECDHE', 'ECDSA'],
  ECDH_RSA: ['ECDH', 'RSA'],
  ECDHE_RSA: ['ECDHE', 'RSA'],
  ECDH_anon: ['ECDH', 'anon'],
  ECDHE_PSK: ['ECDHE_PSK', 'PSK'],
  SRP_SHA: ['SRP', 'SRP'],
  SRP_SHA_RSA: ['SRP', 'RSA'],
  SRP_SHA_DSS: ['SRP', 'DSS'],
  ECCPWD: ['ECCPWD', 'ECCPWD'],
  ECJPAKE: ['ECJPAKE', 'ECJPAKE'],
  GOSTR341112_256: ['GOST', 'GOST'],
};

/** cipher name → [key bits, mode] */
function cipherInfo(c) {
  if (c === 'NULL') return [0, 'null'];
  const m = /^(AES|CAMELLIA|ARIA)_(128|256)_(CBC|GCM|CCM|CCM_8)$/.exec(c);
  if (m) return [Number(m[2]), m[3] === 'CBC' ? 'CBC' : 'AEAD'];
  const table = {
    RC4_40: [40, 'stream'], RC4_56: [56, 'stream'], RC4_128: [128, 'stream'],
    RC2_CBC_40: [40, 'CBC'], RC2_CBC_56: [56, 'CBC'],
    IDEA_CBC: [128, 'CBC'], DES40_CBC: [40, 'CBC'], DES_CBC_40: [40, 'CBC'], DES_CBC: [56, 'CBC'],
    '3DES_EDE_CBC': [168, 'CBC'], SEED_CBC: [128, 'CBC'], CHACHA20_POLY1305: [256, 'AEAD'],
    SM4_GCM: [128, 'AEAD'], SM4_CCM: [128, 'AEAD'], AEGIS_256: [256, 'AEAD'], AEGIS_128L: [128, 'AEAD'],
    KUZNYECHIK_CTR: [256, 'stream'], MAGMA_CTR: [256, 'stream'], '28147_CNT': [256, 'stream'],
    KUZNYECHIK_MGM_L: [256, 'AEAD'], MAGMA_MGM_L: [256, 'AEAD'], KUZNYECHIK_MGM_S: [256, 'AEAD'], MAGMA_MGM_S: [256, 'AEAD'],
  };
  const r = table[c];
  if (!r) throw new Error(`unknown cipher ${c}`);
  return r;
}

function decompose(code, name) {
  const base = { code, name, kx: 'NULL', auth: 'NULL', cipher: 'NULL', keyBits: 0, mode: 'null', mac: 'NULL', prf: 'SHA256', export: false, tls13: false, scsv: false };
  if (name.endsWith('_SCSV')) return { ...base, scsv: true };
  const w = name.indexOf('_WITH_');
  if (w < 0) {
    // TLS 1.3 (RFC 8446, 8998, 9150) and the AEGIS suites: TLS_<cipher>_<hash>
    const body = name.slice(4);
    const hashM = /_(SHA256|SHA384|SHA512|SM3)$/.exec(body);
    if (!hashM) throw new Error(`cannot decompose ${name}`);
    const cipher = body.slice(0, -hashM[0].length);
    const prf = hashM[1];
    if (cipher === 'SHA256' || cipher === 'SHA384') {
      // RFC 9150 integrity-only suites
      return { ...base, kx: 'TLS13', auth: 'TLS13', cipher: 'NULL', mode: 'null', mac: cipher, prf, tls13: true };
    }
    const [keyBits, mode] = cipherInfo(cipher);
    return { ...base, kx: 'TLS13', auth: 'TLS13', cipher, keyBits, mode, mac: 'AEAD', prf, tls13: true };
  }
  const kxName = name.slice(4, w);
  const rest = name.slice(w + 6);
  const kx = KX[kxName];
  if (!kx) throw new Error(`unknown key exchange ${kxName} in ${name}`);
  const exp = kxName.includes('EXPORT') || /_40_|_40$|DES40/.test(rest);
  let cipher;
  let mac;
  let prf = 'SHA256';
  if (kxName === 'GOSTR341112_256') {
    // RFC 9189: <cipher>_<mode>_<mac or MGM variant>
    if (/_MGM_[LS]$/.test(rest)) { cipher = rest; mac = 'AEAD'; }
    else if (rest.endsWith('_OMAC')) { cipher = rest.slice(0, -5); mac = 'OMAC'; }
    else if (rest.endsWith('_IMIT')) { cipher = rest.slice(0, -5); mac = 'IMIT'; }
    else throw new Error(`cannot decompose ${name}`);
    prf = 'STREEBOG256';
  } else if (/_CCM(_8)?$/.test(rest) && !/_CCM(_8)?_SHA\d+$/.test(rest)) {
    cipher = rest;
    mac = 'AEAD';
  } else {
    const m = /^(.*)_(NULL|MD5|SHA|SHA256|SHA384)$/.exec(rest);
    if (!m) throw new Error(`cannot decompose ${name}`);
    cipher = m[1];
    mac = m[2] === 'SHA' ? 'SHA1' : m[2];
    if (m[2] === 'SHA384') prf = 'SHA384';
    const [, mode] = cipherInfo(cipher);
    if (mode === 'AEAD') mac = 'AEAD';
  }
  const [keyBits, mode] = cipherInfo(cipher);
  return { ...base, kx: kx[0], auth: kx[1], cipher, keyBits, mode, mac, prf, export: exp };
}

// ---------------------------------------------------------------------------------------

const HEADER = '// GENERATED by scripts/gen-iana.mjs from scripts/iana-data/ — do not edit by hand.\n';

function mapLiteral(rows) {
  return `new Map<number, string>([\n${rows.map(([c, n]) => `  [0x${c.toString(16).padStart(4, '0')}, ${JSON.stringify(n)}],`).join('\n')}\n])`;
}

function generate() {
  const suites = readCsv(join(dataDir, 'cipher-suites.csv')).map(([c, n]) => decompose(c, n));
  let cs = HEADER;
  cs += '/** [code, IANA name, kx, auth, cipher, key bits, mode, mac, prf, flags (1 export, 2 TLS 1.3, 4 SCSV)] */\n';
  cs += 'export const CIPHER_SUITE_ROWS: ReadonlyArray<readonly [number, string, string, string, string, number, string, string, string, number]> = [\n';
  for (const s of suites) {
    const flags = (s.export ? 1 : 0) | (s.tls13 ? 2 : 0) | (s.scsv ? 4 : 0);
    cs += `  [0x${s.code.toString(16).padStart(4, '0')}, ${JSON.stringify(s.name)}, '${s.kx}', '${s.auth}', '${s.cipher}', ${s.keyBits}, '${s.mode}', '${s.mac}', '${s.prf}', ${flags}],\n`;
  }
  cs += '];\n';
  writeFileSync(join(outDir, 'cipher-suites.generated.ts'), cs);

  const simple = {
    EXTENSIONS: 'extensions.csv',
    SUPPORTED_GROUPS: 'supported-groups.csv',
    SIGNATURE_SCHEMES: 'signature-schemes.csv',
    ALERTS: 'alerts.csv',
    HANDSHAKE_TYPES: 'handshake-types.csv',
    CONTENT_TYPES: 'content-types.csv',
    EC_POINT_FORMATS: 'ec-point-formats.csv',
    PSK_KE_MODES: 'psk-ke-modes.csv',
    CERT_COMPRESSION_ALGORITHMS: 'cert-compression.csv',
    VERSIONS: 'versions.csv',
  };
  let iana = HEADER;
  for (const [k, f] of Object.entries(simple)) {
    const rows = readCsv(join(dataDir, f));
    if (k === 'VERSIONS') for (let d = 0; d <= 28; d++) rows.push([0x7f00 | d, `TLS 1.3 (draft ${d})`]);
    iana += `\n/** IANA: ${f.replace('.csv', '')} */\nexport const ${k}: ReadonlyMap<number, string> = ${mapLiteral(rows)};\n`;
  }
  writeFileSync(join(outDir, 'iana.generated.ts'), iana);

  let ws = HEADER + '\n/** Value strings tshark 4.0 uses for TLS fields, keyed by field abbreviation (for labels that match Wireshark\'s). */\nexport const WIRESHARK_VALUES: Readonly<Record<string, ReadonlyMap<number, string>>> = {\n';
  for (const f of readdirSync(wsDir).filter((x) => x.endsWith('.csv')).sort()) {
    const rows = readCsv(join(wsDir, f));
    // tshark lists two value_strings for some fields (SSLv2's and TLS's handshake types):
    // a repeated code starts the second table, which is the one the TLS dissector uses.
    let m = new Map();
    for (const [c, n] of rows) {
      if (m.has(c)) m = new Map();
      m.set(c, n);
    }
    ws += `  ${JSON.stringify(f.replace(/\.csv$/, ''))}: ${mapLiteral([...m]).replace(/\n/g, '\n  ')},\n`;
  }
  ws += '};\n';
  writeFileSync(join(outDir, 'wireshark.generated.ts'), ws);
  console.log(`generated ${suites.length} cipher suites and ${Object.keys(simple).length} registries in ${outDir}`);
}

if (process.argv[2] === '--extract-wireshark') extractWireshark(process.argv[3]);
else generate();
