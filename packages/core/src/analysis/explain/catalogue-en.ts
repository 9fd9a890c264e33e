/** English sentences of `tlslens explain`: functions of the step values. */
import { list, secretValueLines, shortHex, type Catalogue, type V } from './catalogue.ts';
import type { CertProblem, Explanation, Finding, Step, StepId } from './model.ts';

const TITLES: Record<StepId, string> = {
  tcp_handshake: 'TCP three-way handshake',
  client_hello: 'Client Hello',
  hello_retry_request: 'Hello Retry Request',
  server_hello: 'Server Hello',
  certificate: 'Certificate',
  certificate_verification: 'Certificate verification',
  server_key_exchange: 'Server Key Exchange',
  certificate_request: 'Certificate Request (mutual TLS)',
  server_hello_done: 'Server Hello Done',
  client_certificate: 'Client certificate',
  client_key_exchange: 'Client Key Exchange',
  keys: 'Keys',
  change_cipher_spec: 'Change Cipher Spec',
  finished: 'Finished',
  new_session_ticket: 'New Session Ticket',
  application_data: 'Application Data',
  alerts: 'Alerts',
  findings: 'Findings',
};

function suiteText(s: V | null): string {
  if (!s) return 'unknown';
  if (s.grease) return `${s.code} GREASE (a reserved value that keeps servers tolerant of unknown suites)`;
  if (s.scsv) return `${s.code} ${s.name} (a signalling value, not a real suite)`;
  if (!s.cipher) return `${s.code} ${s.name}`;
  const hash = s.mac === 'AEAD' ? s.prf : s.mac;
  if (s.tls13) return `${s.code} ${s.name}: cipher ${s.cipher}, hash ${s.prf} (TLS 1.3: key exchange and authentication are negotiated separately)`;
  return `${s.code} ${s.name}: key exchange ${s.key_exchange}, authentication ${s.authentication}, cipher ${s.cipher}, hash ${hash}`;
}

const HS_NAMES: Record<number, string> = { 8: 'EncryptedExtensions', 11: 'Certificate', 13: 'CertificateRequest', 15: 'CertificateVerify', 20: 'Finished' };

const SESSION: Record<string, string> = {
  new: 'a new session the client may resume later by sending this ID',
  none: 'empty: the server will not cache this session by ID',
  echo: 'the client\'s legacy_session_id echoed back (TLS 1.3 middlebox compatibility, RFC 8446 §D.4)',
  resumed: 'the same ID the client sent: the server resumes that earlier session, so no certificate and no key exchange follow',
  ticket: 'the server accepted the client\'s session ticket: an abbreviated handshake that reuses the earlier master secret',
  psk: 'the server accepted a pre-shared key (pre_shared_key extension): a TLS 1.3 resumption',
};

const ALERT_MEANING: Record<string, string> = {
  'Close Notify': 'an orderly end of the connection',
  'Unknown CA': 'the sender does not trust the CA that issued the peer\'s certificate',
  'Bad Certificate': 'the sender rejected the peer\'s certificate',
  'Certificate Expired': 'the peer\'s certificate has expired',
  'Certificate Unknown': 'the sender could not accept the peer\'s certificate',
  'Handshake Failure': 'no acceptable set of parameters',
  'Protocol Version': 'no version in common',
  'Decrypt Error': 'a signature or Finished check failed',
  'Bad Record MAC': 'a record failed its integrity check',
  'Certificate Required': 'the server required a client certificate',
};

function lines(step: Step, ex: Explanation): string[] {
  const v = step.values as V;
  const L: string[] = [];
  switch (step.id) {
    case 'tcp_handshake': {
      if (!v.captured) return ['The TCP handshake is not in the capture (it starts mid-connection): the story begins with the first TLS record.'];
      L.push(`Frame ${v.syn_frame}: ${v.client} → ${v.server} [SYN] Seq=${v.client_isn} (absolute). The client picks a random initial sequence number (ISN) and asks to open a connection${v.client_mss ? ` (MSS ${v.client_mss})` : ''}.`);
      L.push(`Frame ${v.synack_frame}: [SYN, ACK] Seq=${v.server_isn} Ack=${v.synack_ack}. The server picks its own ISN and acknowledges the client's ISN + 1 (${v.client_isn} + 1 = ${v.synack_ack}): a SYN counts as one byte of sequence space.`);
      if (v.ack_frame !== null) L.push(`Frame ${v.ack_frame}: [ACK] Seq=${v.ack_seq} Ack=${v.ack_ack} (the server's ISN + 1). The connection is open.`);
      L.push(`Relative numbers (what Wireshark shows by default) subtract each side's ISN: the SYN has Seq=${v.relative.syn_seq}, the SYN/ACK Seq=${v.relative.synack_seq} Ack=${v.relative.synack_ack}${v.ack_frame !== null ? `, the ACK Seq=${v.relative.ack_seq} Ack=${v.relative.ack_ack}` : ''}; the first byte of data in each direction is byte 1.`);
      L.push(`Round-trip time (SYN → SYN/ACK): ${v.rtt_ms} ms${v.initial_rtt_ms !== undefined ? `; SYN → ACK: ${v.initial_rtt_ms} ms (Wireshark's tcp.analysis.initial_rtt)` : ''}.`);
      return L;
    }
    case 'client_hello': {
      if (v.sslv2_format) {
        L.push(`Frame ${step.frames[0]}: the client starts with an SSL 2.0-format ClientHello (record version ${v.record_version}), the format old clients used to reach SSL 2.0 servers and newer ones alike. It offers versions up to ${v.legacy_version} (${v.legacy_version_name}), ${v.sslv2_cipher_specs} cipher specs and a challenge instead of a 32-byte random.`);
        if (v.sslv2_connection) L.push('The server answered in SSL 2.0 itself: tlslens explains SSL 3.0 to TLS 1.3 handshakes only. SSL 2.0 is broken and forbidden (RFC 6176).');
      } else L.push(`Frame ${step.frames[0]}: the client starts TLS with a ClientHello${v.length !== null ? ` (${v.length} bytes)` : ''}. Record header: content type 0x16 (22, handshake), record version ${v.record_version} (${v.record_version_name}${v.record_version === '0x0301' ? ': an old value kept for compatibility with servers that reject newer ones' : ''}); handshake type 0x01 (ClientHello).`);
      if (!v.sslv2_format) L.push(`client_version ${v.legacy_version} (${v.legacy_version_name})${v.offers_tls13 ? ': TLS 1.3 clients keep 0x0303 here and list the versions they really support in supported_versions' : ''}.`);
      if (v.random) L.push(`Random (32 bytes): ${v.random}.`);
      if (v.random) L.push(v.gmt_plausible
        ? `Its first four bytes read as gmt_unix_time give ${v.gmt_time}, ${Math.abs(v.gmt_delta_days)} days from the capture time: a real clock value, as older clients sent.`
        : `Its first four bytes read as gmt_unix_time give ${v.gmt_time}, ${Math.abs(v.gmt_delta_days)} days ${v.gmt_delta_days < 0 ? 'before' : 'after'} the capture (${v.capture_time}): not a clock, because modern clients send 32 random bytes.`);
      if (v.session_id_length === 0) L.push('Session ID: empty: the client asks for a new session.');
      else if (v.offers_tls13) L.push(`Session ID: ${v.session_id_length} bytes (${shortHex(v.session_id)}): in TLS 1.3 this is legacy_session_id, a dummy value sent for middlebox compatibility; the server echoes it.`);
      else L.push(`Session ID: ${v.session_id_length} bytes (${shortHex(v.session_id)}): the client proposes to resume that earlier session.`);
      if (v.session_ticket_offered) L.push(`It offers a session ticket (${v.session_ticket_length} bytes) to resume a session the server does not have to remember (RFC 5077).`);
      if (v.psk_offered) L.push('It offers a pre-shared key (pre_shared_key extension) from an earlier TLS 1.3 connection.');
      if (v.cipher_suite_count === 0) L.push(`It offers no ${v.sslv2_format ? 'SSL 3.0/TLS ' : ''}cipher suite.`);
      else L.push(`It offers ${v.cipher_suite_count} ${v.sslv2_format ? 'SSL 3.0/TLS ' : ''}cipher suite${v.cipher_suite_count === 1 ? '' : 's'}, most preferred first:`);
      for (const s of v.cipher_suites as V[]) L.push(`  ${suiteText(s)}`);
      L.push(v.sni
        ? `SNI (server_name): ${v.sni}. Many HTTPS sites share one IP address; the server reads this name to pick the certificate (and site) before anything is encrypted.`
        : 'No SNI: the server cannot tell which site is wanted and answers with its default certificate.');
      L.push((v.alpn as string[]).length
        ? `ALPN: ${list(v.alpn)}: the application protocols the client speaks, so HTTP/2 or HTTP/1.1 is settled inside the handshake.`
        : 'No ALPN: the application protocol is not negotiated.');
      if ((v.supported_versions as string[]).length) L.push(`supported_versions: ${list(v.supported_versions)}.`);
      const ks = v.key_shares as V[];
      if (ks.length) {
        const pq = ks.filter((k) => k.post_quantum).map((k) => k.name);
        L.push(`key_share: ${ks.map((k) => `${k.name} (${k.length} bytes)`).join(', ')}: public keys sent in advance so that TLS 1.3 completes in one round trip.${pq.length ? ` ${list(pq)} ${pq.length === 1 ? 'is a' : 'are'} post-quantum hybrid${pq.length === 1 ? '' : 's'} (classical ECDH combined with a post-quantum KEM, Kyber / ML-KEM), protecting today's traffic against a future quantum computer.` : ''}`);
        for (const k of ks) if (k.public && !k.grease) L.push(`  ${k.name} public key (${k.length} bytes): ${shortHex(k.public, 24)}`);
      }
      if ((v.grease as string[]).length) L.push(`GREASE values ${list(v.grease)}: meaningless code points (RFC 8701) that keep servers from choking on values they do not know.`);
      L.push((v.extensions as string[]).length ? `Extensions (${(v.extensions as string[]).length}): ${list(v.extensions)}.` : 'No extensions.');
      return L;
    }
    case 'hello_retry_request':
      return [`Frame ${step.frames[0]}: HelloRetryRequest: none of the client's key shares suits the server, which asks for ${v.selected_group}.${v.second_client_hello_frame ? ` The client sends a second ClientHello in frame ${v.second_client_hello_frame}, one round trip later.` : ''}`];
    case 'server_hello': {
      L.push(`Frame ${step.frames[0]}: ServerHello (${v.length} bytes), record version ${v.record_version}, handshake type 0x02.`);
      L.push(v.via_supported_versions
        ? `Version: ${v.version}. legacy_version still says ${v.legacy_version}; the real choice is in the supported_versions extension (RFC 8446 §4.2.1).`
        : `Version: ${v.version} (${v.legacy_version})${v.client_max_version ? `; the client offered up to ${v.client_max_version}` : ''}.`);
      if (v.downgrade_sentinel) L.push(`The server random ends with the downgrade sentinel "DOWNGRD": the server supports TLS 1.3 but negotiated ${v.downgrade_sentinel}.`);
      L.push(`Random: ${v.random}.`);
      L.push(`Cipher suite: ${suiteText(v.cipher_suite)}.`);
      L.push(`Session ID${v.session_id_length ? ` (${v.session_id_length} bytes, ${shortHex(v.session_id)})` : ''}: ${SESSION[v.session_decision] ?? v.session_decision}.`);
      if (v.resumed_from) L.push(`The session resumed here was created by stream ${v.resumed_from.stream} (frame ${v.resumed_from.frame}).`);
      else if (v.resumed !== 'no') L.push('The connection that created the resumed session is not in this capture.');
      if (v.key_share_group) L.push(`key_share: ${v.key_share_group}${v.key_share_post_quantum ? ' (post-quantum hybrid)' : ''}: the server's ${v.key_share_post_quantum ? 'share (its ECDH public key and the KEM ciphertext)' : 'public key'}${v.key_share_public ? ` ${shortHex(v.key_share_public, 24)}` : ''}; with the client's share for the same group, both sides compute the same (EC)DHE shared secret, which never crosses the wire.`);
      if (v.alpn) L.push(`ALPN: the server chose ${v.alpn}${v.via_supported_versions ? ' (in EncryptedExtensions)' : ''}.`);
      else if (v.alpn_offered) L.push('ALPN: not chosen by the server (or not visible: TLS 1.3 sends it encrypted).');
      if (v.extended_master_secret) L.push('extended_master_secret: yes: the master secret will hash the whole handshake (RFC 7627).');
      if (v.encrypted_flight) {
        const fl = v.encrypted_flight as V[];
        L.push(fl.length
          ? `Everything the server sends after the ServerHello is encrypted with the server handshake traffic keys; decrypted: ${fl.map((m) => `${HS_NAMES[m.type]} (frame ${m.frame})`).join(', ')}.`
          : `Everything the server sends after the ServerHello (${v.resumed === 'psk' ? 'EncryptedExtensions, Finished: no certificate when resuming' : 'EncryptedExtensions, Certificate, CertificateVerify, Finished'}) is encrypted with the handshake keys: give the key log to see it.`);
      }
      return L;
    }
    case 'certificate':
    case 'client_certificate': {
      const who = v.side === 'server' ? 'the server' : 'the client';
      L.push(`Frame ${step.frames[0]}: ${who} sends its Certificate message${v.message_length !== null ? ` (${v.message_length} bytes)` : ''} with ${v.count} certificate${v.count === 1 ? '' : 's'}, leaf first:`);
      for (const c of v.certificates as V[]) {
        if (c.error) { L.push(`  [${c.index}] unparsable (${c.der_length} bytes)`); continue; }
        L.push(`  [${c.index}] ${c.subject || '(empty subject)'}`);
        L.push(`      issued by ${c.issuer}${c.self_signed ? ' (self-signed)' : ''}; valid ${c.not_before} → ${c.not_after}`);
        if ((c.san as string[]).length) L.push(`      names (SAN): ${list(c.san)}`);
        L.push(`      key ${c.key.type}${c.key.curve ? ` ${c.key.curve}` : ''} ${c.key.bits} bits; signed with ${c.signature_algorithm}${c.is_ca ? '; a CA certificate' : ''}`);
      }
      if (v.certificate_verify_frame) {
        L.push(step.id === 'client_certificate'
          ? `In frame ${v.certificate_verify_frame} the client proves it holds the private key (CertificateVerify).`
          : `In frame ${v.certificate_verify_frame} the server proves it holds the private key: CertificateVerify signs the hash of the handshake so far (tlslens does not re-verify this signature; the Finished check below covers the transcript).`);
      }
      return L;
    }
    case 'certificate_verification': {
      L.push(`Checked at the capture's time (${v.time}):`);
      for (const s of v.signatures as V[]) {
        L.push(s.ok
          ? `  ✓ the signature on '${s.certificate}' (${s.algorithm}) verifies with the ${s.key}-bit key of '${s.signed_by}'`
          : `  ✗ the signature on '${s.certificate}' (${s.algorithm}) does not verify with the key of '${s.signed_by}'`);
      }
      for (const x of v.validity as V[]) if (x.ok) L.push(`  ✓ '${x.subject}' is valid from ${x.not_before} to ${x.not_after}`);
      if (v.side === 'server') {
        if (!v.hostname_checked) L.push('  – no SNI: the host name was not checked');
        else if (!(v.problems as V[]).some((p) => p.code === 'hostname-mismatch')) L.push(`  ✓ ${v.sni} matches the certificate's names (${list(v.hostname_names)})`);
      }
      if (v.anchor) L.push(`  ✓ the path ends at a trusted root: '${v.anchor}'`);
      for (const p of v.problems as V[]) L.push(`  ✗ ${problem(p as CertProblem)}`);
      L.push(v.valid ? 'Verdict: valid.' : `Verdict: INVALID (${v.verdict}).`);
      return L;
    }
    case 'server_key_exchange': {
      if (v.kind === 'other' || v.server_public === null) {
        L.push(`Frame ${step.frames[0]}: ServerKeyExchange (${v.suite_key_exchange ?? 'key exchange'} parameters${v.group ? `, ${v.group}` : ''}).`);
        if (v.anonymous) L.push('Anonymous key exchange: the parameters are not signed, so anyone in the middle can substitute their own.');
        return L;
      }
      L.push(`Frame ${step.frames[0]}: ServerKeyExchange: ${v.kind} on ${v.group}; the server's ephemeral public key (${v.server_public_length} bytes): ${shortHex(v.server_public, 24)}.`);
      const sig = `signed with the certificate's key${v.signature_algorithm ? ` (${v.signature_algorithm})` : ''} over client_random + server_random + these parameters`;
      if (v.signature_verified === true) L.push(`It is ${sig}: ✓ the signature verifies with the key of '${v.signed_by}', so the key really comes from the certificate's owner.`);
      else if (v.signature_verified === false) L.push(`It is ${sig}: ✗ ${v.signature_message}.`);
      else L.push(`It is ${sig} (not checked: the certificate was not available).`);
      L.push('Ephemeral keys give forward secrecy: stealing the server\'s private key later does not decrypt this recorded connection.');
      return L;
    }
    case 'certificate_request':
      L.push(`Frame ${step.frames[0]}: CertificateRequest: the server asks the client for a certificate (mutual TLS)${v.distinguished_names ? `, naming ${v.distinguished_names} acceptable CA${v.distinguished_names === 1 ? '' : 's'}` : ''}.`);
      if (v.client_certificate_count === 0) L.push(`The client answers with an empty Certificate (frame ${v.client_certificate_frame}): it has no certificate to offer.`);
      else if (v.client_certificate_count) L.push(`The client sends ${v.client_certificate_count} certificate${v.client_certificate_count === 1 ? '' : 's'} in frame ${v.client_certificate_frame}.`);
      return L;
    case 'server_hello_done':
      return [`Frame ${step.frames[0]}: ServerHelloDone (type 14, empty): the server's first flight is complete; it is the client's turn.`];
    case 'client_key_exchange':
      if (v.kind === 'RSA') {
        return [`Frame ${step.frames[0]}: ClientKeyExchange, RSA key exchange: the client chose a 48-byte pre_master_secret and encrypted it with the server certificate's RSA public key (${v.encrypted_premaster_length} bytes: ${shortHex(v.encrypted_premaster)}). Only the server's private key decrypts it, so whoever holds that key can decrypt this connection, even years later.`];
      }
      if (v.kind === 'other') return [`Frame ${step.frames[0]}: ClientKeyExchange.`];
      return [`Frame ${step.frames[0]}: ClientKeyExchange: the client's ephemeral ${v.kind} public key (${v.client_public_length} bytes): ${shortHex(v.client_public, 24)}. Each side combines its private key with the other's public key and gets the same pre_master_secret, which never crosses the wire.`];
    case 'keys':
      return keysLines(v);
    case 'change_cipher_spec':
      if (v.tls13_compat) return [`ChangeCipherSpec (${list(step.frames)}): a dummy record for middlebox compatibility (RFC 8446 §D.4); TLS 1.3 ignores it.`];
      return [`ChangeCipherSpec: ${v.client_frame ? `client in frame ${v.client_frame}` : ''}${v.client_frame && v.server_frame ? ', ' : ''}${v.server_frame ? `server in frame ${v.server_frame}` : ''}. From the next record on, that side encrypts with the keys above.`];
    case 'finished': {
      for (const side of ['client', 'server'] as const) {
        const f = v[side] as V;
        if (f.frame === null) continue;
        const Side = side === 'client' ? 'Client' : 'Server';
        const formula = v.tls13 ? `HMAC(finished_key, transcript hash), finished_key from the ${side} handshake traffic secret` : `PRF(master_secret, "${side} finished", Hash(handshake messages))[0..11]`;
        if (f.verified === true) L.push(`${Side} Finished (frame ${f.frame}): verify_data ${f.verify_data ?? ''} = ${formula}: recomputed, ✓ it matches.`);
        else if (f.verified === false) L.push(`${Side} Finished (frame ${f.frame}): verify_data ${f.verify_data ?? ''} ✗ does not match ${formula} = ${f.computed ?? '?'}.`);
        else L.push(`${Side} Finished (frame ${f.frame}): encrypted, not checked without keys.`);
      }
      if (v.client.verified === true && v.server.verified === true) L.push('Matching Finished messages prove that both sides saw the same handshake and hold the same keys.');
      else if (v.client.verified === false || v.server.verified === false) L.push('A Finished that does not match means the keys are wrong or the handshake was altered.');
      return L;
    }
    case 'new_session_ticket':
      for (const t of v.tickets as V[]) {
        L.push(`Frame ${t.frame}: NewSessionTicket: a ${t.length}-byte ticket, lifetime ${t.lifetime} s (${(t.lifetime / 3600).toFixed(1)} h).`);
      }
      L.push(v.tls13
        ? 'Next time the client can send it back as a pre_shared_key: the server skips the certificate, and with early data the client can even send its request at once (0-RTT).'
        : 'Next time the client can send it back in the session_ticket extension: the server restores the master secret from it and skips the certificate and key exchange.');
      return L;
    case 'application_data': {
      const c = v.client as V;
      const s = v.server as V;
      L.push(`Application data${v.includes_encrypted_handshake ? ' (protected records, the encrypted handshake included)' : ''}: client → server ${c.records} record${c.records === 1 ? '' : 's'} (${c.bytes} bytes), server → client ${s.records} record${s.records === 1 ? '' : 's'} (${s.bytes} bytes).`);
      if (c.records + s.records > 0) L.push(`Record sizes: client ${list(c.sizes)}${c.records > c.sizes.length ? ', …' : ''}; server ${list(s.sizes)}${s.records > s.sizes.length ? ', …' : ''}.`);
      if (v.request) {
        const r = v.request as V;
        L.push(`Decrypted, the first request (frame ${r.frame}): ${r.method} ${r.uri} ${r.version ?? ''}${r.host ? ` (host ${r.host})` : ''}.`.replace(/ +\./, '.').replace(/ +\(/, ' ('));
      }
      if (v.response) {
        const r = v.response as V;
        L.push(`The first response (frame ${r.frame}): ${r.version ?? ''} ${r.status ?? ''}${r.phrase ? ` ${r.phrase}` : ''}.`);
      }
      if (v.request || v.response) L.push(`TLS is a shell around HTTP: these records carry exactly the ${v.request?.h2 || v.alpn === 'h2' ? 'HTTP/2 frames' : 'HTTP/1.1 text'} that the client and server exchanged, encrypted and authenticated; with the keys, tlslens (like tshark) dissects them as if TLS were not there.`);
      else if (!v.decrypted) L.push('Encrypted: give the key log (--keylog) to see the HTTP inside.');
      return L;
    }
    case 'alerts':
      for (const a of v.alerts as V[]) {
        if (a.encrypted) L.push(`Frame ${a.frame}: ${a.from} sends an encrypted alert (usually close_notify, the orderly end).`);
        else L.push(`Frame ${a.frame}: ${a.from} sends a ${a.level} alert: ${a.description}${ALERT_MEANING[a.description] ? ` (${ALERT_MEANING[a.description]})` : ''}.`);
      }
      return L;
    case 'findings': {
      const f = v.findings as Finding[];
      if (f.length === 0) return ['Nothing to report.'];
      return f.map((x) => `[${x.severity}] ${finding(x)}`);
    }
  }
  void ex;
  return L;
}

function keysLines(v: V): string[] {
  const L: string[] = [];
  if (v.tls13) {
    const s = v.traffic_secrets as Record<string, string> | undefined;
    if (!s || Object.keys(s).length === 0) return [`Not decrypted: ${v.status_text}.`];
    L.push('TLS 1.3 derives every key with HKDF from the (EC)DHE shared secret: early secret → handshake secret → master secret; the key log gives the traffic secrets, in this order:');
    const names: Record<string, string> = {
      client_early: 'client_early_traffic_secret', client_handshake: 'client_handshake_traffic_secret', server_handshake: 'server_handshake_traffic_secret',
      client_application: 'client_application_traffic_secret_0', server_application: 'server_application_traffic_secret_0',
    };
    for (const [k, h] of Object.entries(s)) L.push(`  ${names[k] ?? k} = ${h}`);
    if ((v.traffic_keys as V[]).length) {
      L.push('From each: key = HKDF-Expand-Label(secret, "key", "", key length), iv = HKDF-Expand-Label(secret, "iv", "", 12):');
      for (const k of v.traffic_keys as V[]) L.push(`  ${names[k.secret] ?? k.secret}: key ${k.key}, iv ${k.iv}`);
    }
    return L;
  }
  if (!v.master_secret) return [`Not decrypted: ${v.status_text}.`];
  if (v.source === 'rsa_key') L.push(`The server's RSA private key decrypts the encrypted pre-master secret (PKCS#1 v1.5): pre_master_secret = ${v.pre_master_secret} (48 bytes; the first two, ${v.pre_master_version}, repeat the client's version).`);
  else if (v.source === 'keylog_premaster') L.push(`The key log gives the pre-master secret: pre_master_secret = ${v.pre_master_secret}.`);
  else if (v.source === 'keylog_master') L.push(`The key log (CLIENT_RANDOM line for ${shortHex(v.client_random, 8)}) gives the master secret directly.`);
  else if (v.resumed) L.push('Resumed session: the master secret of the earlier session is reused.');
  if (v.pre_master_secret && !v.resumed) {
    L.push(v.extended_master_secret
      ? 'master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47] (RFC 7627: session_hash is the hash of the handshake up to ClientKeyExchange)'
      : v.version === '0x0300'
        ? 'master_secret = MD5(pre_master_secret + SHA1("A" + pre_master_secret + client_random + server_random)) + the same with "BB" and "CCC" (SSL 3.0\'s construction, not a PRF)'
        : `master_secret = PRF(pre_master_secret, "master secret", client_random + server_random)[0..47]${v.version === '0x0301' || v.version === '0x0302' ? ' (TLS 1.0/1.1: PRF = P_MD5 XOR P_SHA-1)' : ''}`);
  }
  const kb = v.key_block as V | null;
  const values = secretValueLines(v, kb, { aead: '(none: the AEAD cipher authenticates)', explicitIv: '(none: TLS 1.1+ CBC sends an explicit IV in each record)', none: '(none)' });
  L.push(...values.slice(0, 3));
  if (kb) {
    L.push(v.version === '0x0300'
      ? 'key_block = the SSL 3.0 MD5/SHA-1 expansion of master_secret with server_random + client_random, cut into:'
      : 'key_block = PRF(master_secret, "key expansion", server_random + client_random), cut into:');
    L.push(...values.slice(3));
  }
  return L;
}

/** Why a protected record did not open (RecordFailureReason codes). */
const RECORD_FAILURE: Record<string, string> = {
  tag_mismatch: 'its authentication tag does not verify (wrong keys, or the record was altered)',
  bad_record_mac: 'its MAC does not match (wrong keys, or the record was altered)',
  bad_padding: 'its CBC padding is malformed (wrong keys, or the record was altered)',
  bad_length: 'it is too short for its IV, tag or MAC, or not a whole number of cipher blocks',
  bad_inner_plaintext: 'the decrypted TLS 1.3 record has no content type (wrong keys)',
  unsupported_cipher: 'its cipher is not available here',
};

function problem(p: CertProblem): string {
  const q = p.params as V;
  const which = q.leaf ? `The leaf certificate '${q.subject}'` : `The certificate '${q.subject}' in the chain`;
  switch (p.code) {
    case 'expired':
      return `${which} expired on ${q.not_after.slice(0, 10)}, ${q.days} day${q.days === 1 ? '' : 's'} before the capture (${q.capture_time.slice(0, 10)}).`;
    case 'not-yet-valid':
      return `${which} is not valid before ${q.not_before.slice(0, 10)}, ${q.days} day${q.days === 1 ? '' : 's'} after the capture (${q.capture_time.slice(0, 10)}).`;
    case 'hostname-mismatch':
      return (q.names as string[]).length
        ? `The certificate is for ${list(q.names)}, not for ${q.host} (the name the client asked for in SNI).`
        : `The certificate names no host (subject ${q.common_name}), so it does not match ${q.host} (the SNI).`;
    case 'issuer-not-found':
      return `Unknown CA: '${q.issuer}', the issuer of '${q.subject}', is neither in the presented chain nor among the trusted root certificates.`;
    case 'self-signed':
      return `'${q.subject}' is self-signed and is not a trusted root certificate.`;
    case 'bad-signature':
      return `Bad signature: the ${q.algorithm} signature on '${q.subject}' does not verify with the public key of its issuer '${q.issuer}'; the certificate was altered or was not signed by that CA.`;
    default:
      return `${p.message}.`;
  }
}

function finding(f: Finding): string {
  const q = f.params as V;
  switch (f.code) {
    case 'deprecated_version': return `${q.version} is deprecated (RFC 8996); use TLS 1.2 or TLS 1.3.`;
    case 'no_forward_secrecy': return `${q.suite} uses ${q.key_exchange} key exchange: no forward secrecy; the server's private key decrypts every recorded session.`;
    case 'weak_cipher': return `${q.suite}: ${q.cipher} is a weak or broken cipher.`;
    case 'cbc_mode': return q.encrypt_then_mac
      ? `${q.suite} uses CBC, made safe here by encrypt-then-MAC (RFC 7366); AEAD suites (GCM, ChaCha20-Poly1305) are still preferred.`
      : `${q.suite} uses CBC with MAC-then-encrypt (the padding-oracle attacks); AEAD suites (GCM, ChaCha20-Poly1305) are preferred.`;
    case 'certificate_invalid': return `The server certificate does not validate (${list(q.problems)}).`;
    case 'sha1_signature': return `'${q.subject}' is signed with ${q.algorithm}; SHA-1 and MD5 signatures are no longer trusted.`;
    case 'short_key': return `'${q.subject}' uses a ${q.bits}-bit ${q.algorithm} key, too short today.`;
    case 'no_sni': return 'No SNI in the ClientHello: the server could not choose a certificate by name, and the host name was not checked.';
    case 'no_alpn': return 'No ALPN offered: the application protocol was not negotiated in the handshake.';
    case 'alert': return `The ${q.from} sent a ${q.level} alert in frame ${q.frame}: ${q.description}.`;
    case 'handshake_incomplete': return q.server_hello ? 'The handshake did not complete (no Finished from both sides).' : 'The handshake did not complete: the server never answered with a ServerHello.';
    case 'finished_mismatch': return `The ${q.side} Finished in frame ${q.frame} does not match the recomputed value: wrong keys, or a tampered handshake.`;
    case 'decryption_failed': return `Decryption failed at frame ${q.frame} (record ${q.record}): ${RECORD_FAILURE[String(q.reason)] ?? q.reason}.`;
    case 'not_decrypted': return `Not decrypted: ${q.text}.`;
    case 'key_exchange_signature': return `The ServerKeyExchange in frame ${q.frame} is not signed by the certificate's key: the key exchange parameters were altered, or the server is not who the certificate says.`;
  }
}

export const EN: Catalogue = {
  lang: 'en',
  heading: (ex) => `TLS connection (tcp.stream ${ex.stream}): ${ex.client} → ${ex.server}${ex.sni ? `, SNI ${ex.sni}` : ''}${ex.version ? `, ${ex.version}` : ''}${ex.cipher_suite ? `, ${ex.cipher_suite}` : ''}`,
  title: (id) => TITLES[id],
  frames: (f) => (f.length === 0 ? '' : `frame${f.length === 1 ? '' : 's'} ${f.join(', ')}`),
  lines,
  problem,
  finding,
};
