/** 简体中文：`tlslens explain` 的句子（步骤取值的函数）。 */
import { list, secretValueLines, shortHex, type Catalogue, type V } from './catalogue.ts';
import type { CertProblem, Explanation, Finding, Step, StepId } from './model.ts';

const TITLES: Record<StepId, string> = {
  tcp_handshake: 'TCP 三次握手',
  client_hello: 'Client Hello（客户端问候）',
  hello_retry_request: 'Hello Retry Request（重试请求）',
  server_hello: 'Server Hello（服务器问候）',
  certificate: 'Certificate（证书）',
  certificate_verification: '证书验证',
  server_key_exchange: 'Server Key Exchange（服务器密钥交换）',
  certificate_request: 'Certificate Request（双向 TLS）',
  server_hello_done: 'Server Hello Done',
  client_certificate: '客户端证书',
  client_key_exchange: 'Client Key Exchange（客户端密钥交换）',
  keys: '密钥',
  change_cipher_spec: 'Change Cipher Spec',
  finished: 'Finished',
  new_session_ticket: 'New Session Ticket（会话票据）',
  application_data: '应用数据',
  alerts: '告警',
  findings: '结论',
};

const SIDE: Record<string, string> = { client: '客户端', server: '服务器' };
const SEV: Record<string, string> = { high: '高', medium: '中', low: '低', info: '提示' };

function suiteText(s: V | null): string {
  if (!s) return '未知';
  if (s.grease) return `${s.code} GREASE（保留值，用来让服务器容忍未知的套件）`;
  if (s.scsv) return `${s.code} ${s.name}（信令值，不是真正的套件）`;
  if (!s.cipher) return `${s.code} ${s.name}`;
  const hash = s.mac === 'AEAD' ? s.prf : s.mac;
  if (s.tls13) return `${s.code} ${s.name}：加密算法 ${s.cipher}，哈希 ${s.prf}（TLS 1.3 的密钥交换和身份验证另行协商）`;
  return `${s.code} ${s.name}：密钥交换 ${s.key_exchange}，身份验证 ${s.authentication}，加密算法 ${s.cipher}，哈希 ${hash}`;
}

const HS_NAMES: Record<number, string> = { 8: 'EncryptedExtensions', 11: 'Certificate', 13: 'CertificateRequest', 15: 'CertificateVerify', 20: 'Finished' };

const SESSION: Record<string, string> = {
  new: '新会话，客户端以后可以发送这个 ID 来恢复它',
  none: '为空：服务器不按 ID 缓存这个会话',
  echo: '原样返回客户端的 legacy_session_id（TLS 1.3 的中间设备兼容，RFC 8446 §D.4）',
  resumed: '与客户端发送的 ID 相同：服务器恢复那个早先的会话，因此不再有证书和密钥交换',
  ticket: '服务器接受了客户端的会话票据：简化握手，沿用早先的主密钥',
  psk: '服务器接受了预共享密钥（pre_shared_key 扩展）：TLS 1.3 会话恢复',
};

const ALERT_MEANING: Record<string, string> = {
  'Close Notify': '正常关闭连接',
  'Unknown CA': '发送方不信任签发对方证书的 CA',
  'Bad Certificate': '发送方拒绝了对方的证书',
  'Certificate Expired': '对方的证书已过期',
  'Certificate Unknown': '发送方无法接受对方的证书',
  'Handshake Failure': '没有双方都能接受的参数',
  'Protocol Version': '没有共同支持的版本',
  'Decrypt Error': '签名或 Finished 校验失败',
  'Bad Record MAC': '记录未通过完整性校验',
  'Certificate Required': '服务器要求客户端证书',
};

function lines(step: Step, ex: Explanation): string[] {
  const v = step.values as V;
  const L: string[] = [];
  switch (step.id) {
    case 'tcp_handshake': {
      if (!v.captured) return ['抓包中没有 TCP 握手（从连接中途开始）：故事从第一个 TLS 记录开始。'];
      L.push(`帧 ${v.syn_frame}：${v.client} → ${v.server} [SYN] Seq=${v.client_isn}（绝对值）。客户端随机选取初始序列号（ISN）并请求建立连接${v.client_mss ? `（MSS ${v.client_mss}）` : ''}。`);
      L.push(`帧 ${v.synack_frame}：[SYN, ACK] Seq=${v.server_isn} Ack=${v.synack_ack}。服务器选取自己的 ISN，并确认客户端 ISN + 1（${v.client_isn} + 1 = ${v.synack_ack}）：SYN 占用一个字节的序列号空间。`);
      if (v.ack_frame !== null) L.push(`帧 ${v.ack_frame}：[ACK] Seq=${v.ack_seq} Ack=${v.ack_ack}（服务器 ISN + 1）。连接建立。`);
      L.push(`相对序列号（Wireshark 默认显示）减去了各方的 ISN：SYN 的 Seq=${v.relative.syn_seq}，SYN/ACK 的 Seq=${v.relative.synack_seq} Ack=${v.relative.synack_ack}${v.ack_frame !== null ? `，ACK 的 Seq=${v.relative.ack_seq} Ack=${v.relative.ack_ack}` : ''}；每个方向的第一个数据字节是第 1 字节。`);
      L.push(`往返时间（SYN → SYN/ACK）：${v.rtt_ms} 毫秒${v.initial_rtt_ms !== undefined ? `；SYN → ACK：${v.initial_rtt_ms} 毫秒（Wireshark 的 tcp.analysis.initial_rtt）` : ''}。`);
      return L;
    }
    case 'client_hello': {
      if (v.sslv2_format) {
        L.push(`帧 ${step.frames[0]}：客户端以 SSL 2.0 格式的 ClientHello 开始（记录版本 ${v.record_version}），旧客户端用这种格式同时兼容 SSL 2.0 和更新的服务器。它最高提供 ${v.legacy_version}（${v.legacy_version_name}），${v.sslv2_cipher_specs} 个密码规格，并用 challenge 代替 32 字节的随机数。`);
        if (v.sslv2_connection) L.push('服务器也用 SSL 2.0 回复：tlslens 只讲解 SSL 3.0 到 TLS 1.3 的握手。SSL 2.0 已被攻破并被禁止使用（RFC 6176）。');
      } else L.push(`帧 ${step.frames[0]}：客户端以 ClientHello${v.length !== null ? `（${v.length} 字节）` : ''}开始 TLS。记录头：内容类型 0x16（22，握手），记录版本 ${v.record_version}（${v.record_version_name}${v.record_version === '0x0301' ? '：为兼容拒绝新版本的服务器而保留的旧值' : ''}）；握手类型 0x01（ClientHello）。`);
      if (!v.sslv2_format) L.push(`client_version ${v.legacy_version}（${v.legacy_version_name}）${v.offers_tls13 ? '：TLS 1.3 客户端在这里固定写 0x0303，真正支持的版本列在 supported_versions 中' : ''}。`);
      if (v.random) L.push(`随机数（32 字节）：${v.random}。`);
      if (v.random) L.push(v.gmt_plausible
        ? `前四个字节按 gmt_unix_time 解读为 ${v.gmt_time}，与抓包时间相差 ${Math.abs(v.gmt_delta_days)} 天：是真实的时钟值，旧客户端就是这样做的。`
        : `前四个字节按 gmt_unix_time 解读为 ${v.gmt_time}，比抓包时间（${v.capture_time}）${v.gmt_delta_days < 0 ? '早' : '晚'} ${Math.abs(v.gmt_delta_days)} 天：不是时钟，因为现代客户端发送 32 个随机字节。`);
      if (v.session_id_length === 0) L.push('会话 ID：为空，客户端请求一个新会话。');
      else if (v.offers_tls13) L.push(`会话 ID：${v.session_id_length} 字节（${shortHex(v.session_id)}）：在 TLS 1.3 中这是 legacy_session_id，为兼容中间设备而发送的虚拟值，服务器会原样返回。`);
      else L.push(`会话 ID：${v.session_id_length} 字节（${shortHex(v.session_id)}）：客户端提议恢复那个早先的会话。`);
      if (v.session_ticket_offered) L.push(`它提供了一个会话票据（${v.session_ticket_length} 字节），用来恢复服务器无需记住的会话（RFC 5077）。`);
      if (v.psk_offered) L.push('它提供了来自早先 TLS 1.3 连接的预共享密钥（pre_shared_key 扩展）。');
      if (v.cipher_suite_count === 0) L.push(`它没有提供任何${v.sslv2_format ? ' SSL 3.0/TLS ' : ''}密码套件。`);
      else L.push(`它提供 ${v.cipher_suite_count} 个${v.sslv2_format ? ' SSL 3.0/TLS ' : ''}密码套件，按优先顺序：`);
      for (const s of v.cipher_suites as V[]) L.push(`  ${suiteText(s)}`);
      L.push(v.sni
        ? `SNI（server_name）：${v.sni}。许多 HTTPS 站点共用一个 IP 地址；服务器在任何内容加密之前读取这个名字，以选择证书（和站点）。`
        : '没有 SNI：服务器无法知道要访问哪个站点，只能返回默认证书。');
      L.push((v.alpn as string[]).length
        ? `ALPN：${list(v.alpn)}：客户端支持的应用协议，HTTP/2 还是 HTTP/1.1 在握手中就确定了。`
        : '没有 ALPN：未协商应用协议。');
      if ((v.supported_versions as string[]).length) L.push(`supported_versions：${list(v.supported_versions)}。`);
      const ks = v.key_shares as V[];
      if (ks.length) {
        const pq = ks.filter((k) => k.post_quantum).map((k) => k.name);
        L.push(`key_share：${ks.map((k) => `${k.name}（${k.length} 字节）`).join('，')}：预先发送的公钥，使 TLS 1.3 一个往返即可完成握手。${pq.length ? `${list(pq)} 是后量子混合方案（经典 ECDH 加上后量子 KEM：Kyber / ML-KEM），保护今天的流量不被未来的量子计算机破解。` : ''}`);
        for (const k of ks) if (k.public && !k.grease) L.push(`  ${k.name} 公钥（${k.length} 字节）：${shortHex(k.public, 24)}`);
      }
      if ((v.grease as string[]).length) L.push(`GREASE 值 ${list(v.grease)}：无意义的码点（RFC 8701），防止服务器遇到未知值时出错。`);
      L.push((v.extensions as string[]).length ? `扩展（${(v.extensions as string[]).length} 个）：${list(v.extensions)}。` : '没有扩展。');
      return L;
    }
    case 'hello_retry_request':
      return [`帧 ${step.frames[0]}：HelloRetryRequest：客户端的密钥共享都不合服务器的要求，服务器要求 ${v.selected_group}。${v.second_client_hello_frame ? `客户端在帧 ${v.second_client_hello_frame} 发送第二个 ClientHello，多花一个往返。` : ''}`];
    case 'server_hello': {
      L.push(`帧 ${step.frames[0]}：ServerHello（${v.length} 字节），记录版本 ${v.record_version}，握手类型 0x02。`);
      L.push(v.via_supported_versions
        ? `版本：${v.version}。legacy_version 仍写 ${v.legacy_version}；真正的选择在 supported_versions 扩展中（RFC 8446 §4.2.1）。`
        : `版本：${v.version}（${v.legacy_version}）${v.client_max_version ? `；客户端最高提供 ${v.client_max_version}` : ''}。`);
      if (v.downgrade_sentinel) L.push(`服务器随机数以降级哨兵 "DOWNGRD" 结尾：服务器支持 TLS 1.3，却协商了 ${v.downgrade_sentinel}。`);
      L.push(`随机数：${v.random}。`);
      L.push(`密码套件：${suiteText(v.cipher_suite)}。`);
      L.push(`会话 ID${v.session_id_length ? `（${v.session_id_length} 字节，${shortHex(v.session_id)}）` : ''}：${SESSION[v.session_decision] ?? v.session_decision}。`);
      if (v.resumed_from) L.push(`这里恢复的会话由 tcp.stream ${v.resumed_from.stream}（帧 ${v.resumed_from.frame}）建立。`);
      else if (v.resumed !== 'no') L.push('建立被恢复会话的那个连接不在本抓包中。');
      if (v.key_share_group) L.push(`key_share：${v.key_share_group}${v.key_share_post_quantum ? '（后量子混合）' : ''}：服务器的${v.key_share_post_quantum ? '密钥共享（其 ECDH 公钥和 KEM 密文）' : '公钥'}${v.key_share_public ? ` ${shortHex(v.key_share_public, 24)}` : ''}；结合客户端同一组的公钥，双方算出相同的 (EC)DHE 共享密钥，它从不在网络上传输。`);
      if (v.alpn) L.push(`ALPN：服务器选择了 ${v.alpn}${v.via_supported_versions ? '（在 EncryptedExtensions 中）' : ''}。`);
      else if (v.alpn_offered) L.push('ALPN：服务器未选择（或不可见：TLS 1.3 中它是加密发送的）。');
      if (v.extended_master_secret) L.push('extended_master_secret：是，主密钥将对整个握手做哈希（RFC 7627）。');
      if (v.encrypted_flight) {
        const fl = v.encrypted_flight as V[];
        L.push(fl.length
          ? `ServerHello 之后服务器发送的一切都用服务器握手流量密钥加密；解密后：${fl.map((m) => `${HS_NAMES[m.type]}（帧 ${m.frame}）`).join('，')}。`
          : `ServerHello 之后服务器发送的一切（${v.resumed === 'psk' ? 'EncryptedExtensions、Finished；会话恢复时没有证书' : 'EncryptedExtensions、Certificate、CertificateVerify、Finished'}）都用握手密钥加密：提供密钥日志即可看到。`);
      }
      return L;
    }
    case 'certificate':
    case 'client_certificate': {
      const who = v.side === 'server' ? '服务器' : '客户端';
      L.push(`帧 ${step.frames[0]}：${who}发送 Certificate 消息${v.message_length !== null ? `（${v.message_length} 字节）` : ''}，包含 ${v.count} 张证书，叶证书在前：`);
      for (const c of v.certificates as V[]) {
        if (c.error) { L.push(`  [${c.index}] 无法解析（${c.der_length} 字节）`); continue; }
        L.push(`  [${c.index}] ${c.subject || '（空主题）'}`);
        L.push(`      签发者 ${c.issuer}${c.self_signed ? '（自签名）' : ''}；有效期 ${c.not_before} → ${c.not_after}`);
        if ((c.san as string[]).length) L.push(`      名称（SAN）：${list(c.san)}`);
        L.push(`      密钥 ${c.key.type}${c.key.curve ? ` ${c.key.curve}` : ''} ${c.key.bits} 位；签名算法 ${c.signature_algorithm}${c.is_ca ? '；CA 证书' : ''}`);
      }
      if (v.certificate_verify_frame) {
        L.push(step.id === 'client_certificate'
          ? `客户端在帧 ${v.certificate_verify_frame} 用 CertificateVerify 证明自己持有私钥。`
          : `服务器在帧 ${v.certificate_verify_frame} 证明自己持有私钥：CertificateVerify 对到此为止的握手哈希签名（tlslens 不重新验证这个签名；下面的 Finished 校验覆盖了握手记录）。`);
      }
      return L;
    }
    case 'certificate_verification': {
      L.push(`按抓包时间（${v.time}）检查：`);
      for (const s of v.signatures as V[]) {
        L.push(s.ok
          ? `  ✓ '${s.certificate}' 上的签名（${s.algorithm}）可用 '${s.signed_by}' 的 ${s.key} 位密钥验证`
          : `  ✗ '${s.certificate}' 上的签名（${s.algorithm}）无法用 '${s.signed_by}' 的密钥验证`);
      }
      for (const x of v.validity as V[]) if (x.ok) L.push(`  ✓ '${x.subject}' 在 ${x.not_before} 至 ${x.not_after} 之间有效`);
      if (v.side === 'server') {
        if (!v.hostname_checked) L.push('  – 没有 SNI：未检查主机名');
        else if (!(v.problems as V[]).some((p) => p.code === 'hostname-mismatch')) L.push(`  ✓ ${v.sni} 与证书中的名称相符（${list(v.hostname_names)}）`);
      }
      if (v.anchor) L.push(`  ✓ 证书路径终止于受信任的根证书：'${v.anchor}'`);
      for (const p of v.problems as V[]) L.push(`  ✗ ${problem(p as CertProblem)}`);
      L.push(v.valid ? '结论：有效。' : `结论：无效（${(v.problems as V[]).map((p) => PROBLEM_SHORT[p.code] ?? p.code).join('，')}）。`);
      return L;
    }
    case 'server_key_exchange': {
      if (v.kind === 'other' || v.server_public === null) {
        L.push(`帧 ${step.frames[0]}：ServerKeyExchange（${v.suite_key_exchange ?? '密钥交换'} 参数${v.group ? `，${v.group}` : ''}）。`);
        if (v.anonymous) L.push('匿名密钥交换：参数没有签名，中间人可以替换成自己的参数。');
        return L;
      }
      L.push(`帧 ${step.frames[0]}：ServerKeyExchange：${v.kind}，使用 ${v.group}；服务器的临时公钥（${v.server_public_length} 字节）：${shortHex(v.server_public, 24)}。`);
      const sig = `用证书的密钥${v.signature_algorithm ? `（${v.signature_algorithm}）` : ''}对 client_random + server_random + 这些参数签名`;
      if (v.signature_verified === true) L.push(`它${sig}：✓ 签名可用 '${v.signed_by}' 的密钥验证，说明这个公钥确实来自证书持有者。`);
      else if (v.signature_verified === false) L.push(`它${sig}：✗ 签名验证失败（${v.signature_message}）。`);
      else L.push(`它${sig}（未检查：没有证书）。`);
      L.push('临时密钥提供前向保密：日后即使窃取了服务器私钥，也无法解密这次录下的连接。');
      return L;
    }
    case 'certificate_request':
      L.push(`帧 ${step.frames[0]}：CertificateRequest：服务器要求客户端出示证书（双向 TLS）${v.distinguished_names ? `，列出 ${v.distinguished_names} 个可接受的 CA` : ''}。`);
      if (v.client_certificate_count === 0) L.push(`客户端回复了空的 Certificate（帧 ${v.client_certificate_frame}）：它没有可提供的证书。`);
      else if (v.client_certificate_count) L.push(`客户端在帧 ${v.client_certificate_frame} 发送了 ${v.client_certificate_count} 张证书。`);
      return L;
    case 'server_hello_done':
      return [`帧 ${step.frames[0]}：ServerHelloDone（类型 14，空消息）：服务器的第一轮消息结束，轮到客户端。`];
    case 'client_key_exchange':
      if (v.kind === 'RSA') {
        return [`帧 ${step.frames[0]}：ClientKeyExchange，RSA 密钥交换：客户端选取 48 字节的 pre_master_secret，用服务器证书的 RSA 公钥加密（${v.encrypted_premaster_length} 字节：${shortHex(v.encrypted_premaster)}）。只有服务器私钥能解密它，所以持有该私钥的人即使多年后也能解密这个连接。`];
      }
      if (v.kind === 'other') return [`帧 ${step.frames[0]}：ClientKeyExchange。`];
      return [`帧 ${step.frames[0]}：ClientKeyExchange：客户端的临时 ${v.kind} 公钥（${v.client_public_length} 字节）：${shortHex(v.client_public, 24)}。双方各用自己的私钥和对方的公钥算出相同的 pre_master_secret，它从不在网络上传输。`];
    case 'keys':
      return keysLines(v);
    case 'change_cipher_spec':
      if (v.tls13_compat) return [`ChangeCipherSpec（帧 ${list(step.frames)}）：为兼容中间设备而发送的虚拟记录（RFC 8446 §D.4），TLS 1.3 忽略它。`];
      return [`ChangeCipherSpec：${v.client_frame ? `客户端在帧 ${v.client_frame}` : ''}${v.client_frame && v.server_frame ? '，' : ''}${v.server_frame ? `服务器在帧 ${v.server_frame}` : ''}。从下一个记录起，该方用上面的密钥加密。`];
    case 'finished': {
      for (const side of ['client', 'server'] as const) {
        const f = v[side] as V;
        if (f.frame === null) continue;
        const formula = v.tls13 ? `HMAC(finished_key, 握手记录哈希)，finished_key 由${SIDE[side]}握手流量密钥导出` : `PRF(master_secret, "${side} finished", Hash(握手消息))[0..11]`;
        if (f.verified === true) L.push(`${SIDE[side]} Finished（帧 ${f.frame}）：verify_data ${f.verify_data ?? ''} = ${formula}：重新计算，✓ 一致。`);
        else if (f.verified === false) L.push(`${SIDE[side]} Finished（帧 ${f.frame}）：verify_data ${f.verify_data ?? ''} ✗ 与 ${formula} = ${f.computed ?? '?'} 不一致。`);
        else L.push(`${SIDE[side]} Finished（帧 ${f.frame}）：已加密，没有密钥无法检查。`);
      }
      if (v.client.verified === true && v.server.verified === true) L.push('双方 Finished 一致，证明双方看到的是同一个握手，并持有相同的密钥。');
      else if (v.client.verified === false || v.server.verified === false) L.push('Finished 不一致，说明密钥错误或握手被篡改。');
      return L;
    }
    case 'new_session_ticket':
      for (const t of v.tickets as V[]) {
        L.push(`帧 ${t.frame}：NewSessionTicket：${t.length} 字节的票据，有效期 ${t.lifetime} 秒（${(t.lifetime / 3600).toFixed(1)} 小时）。`);
      }
      L.push(v.tls13
        ? '下次客户端可以把它作为 pre_shared_key 发回：服务器跳过证书；若使用早期数据，客户端甚至可以立即发送请求（0-RTT）。'
        : '下次客户端可以在 session_ticket 扩展中把它发回：服务器从中恢复主密钥，跳过证书和密钥交换。');
      return L;
    case 'application_data': {
      const c = v.client as V;
      const s = v.server as V;
      L.push(`应用数据${v.includes_encrypted_handshake ? '（受保护的记录，包括加密的握手）' : ''}：客户端 → 服务器 ${c.records} 个记录（${c.bytes} 字节），服务器 → 客户端 ${s.records} 个记录（${s.bytes} 字节）。`);
      if (c.records + s.records > 0) L.push(`记录长度：客户端 ${list(c.sizes)}${c.records > c.sizes.length ? ', …' : ''}；服务器 ${list(s.sizes)}${s.records > s.sizes.length ? ', …' : ''}。`);
      if (v.request) {
        const r = v.request as V;
        L.push(`解密后，第一个请求（帧 ${r.frame}）：${r.method} ${r.uri}${r.version ? ` ${r.version}` : ''}${r.host ? `（主机 ${r.host}）` : ''}。`);
      }
      if (v.response) {
        const r = v.response as V;
        L.push(`第一个响应（帧 ${r.frame}）：${r.version ?? ''} ${r.status ?? ''}${r.phrase ? ` ${r.phrase}` : ''}。`);
      }
      if (v.request || v.response) L.push(`TLS 是包在 HTTP 外面的一层壳：这些记录承载的正是客户端和服务器交换的${v.request?.h2 || v.alpn === 'h2' ? ' HTTP/2 帧' : ' HTTP/1.1 文本'}，经过加密和认证；有了密钥，tlslens（和 tshark 一样）就能像没有 TLS 一样解析它们。`);
      else if (!v.decrypted) L.push('已加密：提供密钥日志（--keylog）即可看到其中的 HTTP。');
      return L;
    }
    case 'alerts':
      for (const a of v.alerts as V[]) {
        if (a.encrypted) L.push(`帧 ${a.frame}：${SIDE[a.from]}发送加密的告警（通常是 close_notify，正常结束）。`);
        else L.push(`帧 ${a.frame}：${SIDE[a.from]}发送 ${a.level} 告警：${a.description}${ALERT_MEANING[a.description] ? `（${ALERT_MEANING[a.description]}）` : ''}。`);
      }
      return L;
    case 'findings': {
      const f = v.findings as Finding[];
      if (f.length === 0) return ['没有需要报告的问题。'];
      return f.map((x) => `[${SEV[x.severity]}] ${finding(x)}`);
    }
  }
  void ex;
  return L;
}

const STATUS: Record<string, string> = {
  no_key: '密钥日志中没有这个连接的密钥',
  rsa_key_mismatch: 'RSA 私钥与服务器证书不匹配',
  dhe_with_rsa_key: '(EC)DHE 密钥交换无法用 RSA 私钥解密，需要密钥日志',
  resumed_unknown_session: '恢复的会话，其最初的握手不在抓包中',
  handshake_not_captured: '抓包中没有握手',
  record_failure: '记录解密失败',
  unsupported_cipher: '不支持的加密算法',
};
const statusText = (code: string, text: string) => (STATUS[code] ? `${STATUS[code]}（${text}）` : text);

const PROBLEM_SHORT: Record<string, string> = {
  expired: '已过期', 'not-yet-valid': '尚未生效', 'hostname-mismatch': '主机名不符', 'issuer-not-found': '未知 CA',
  'self-signed': '自签名', 'bad-signature': '签名无效', malformed: '格式错误', 'unsupported-algorithm': '不支持的算法',
};

function keysLines(v: V): string[] {
  const L: string[] = [];
  if (v.tls13) {
    const s = v.traffic_secrets as Record<string, string> | undefined;
    if (!s || Object.keys(s).length === 0) return [`未解密：${statusText(v.status, v.status_text)}。`];
    L.push('TLS 1.3 用 HKDF 从 (EC)DHE 共享密钥导出所有密钥：early secret → handshake secret → master secret；密钥日志按以下顺序给出流量密钥：');
    const names: Record<string, string> = {
      client_early: 'client_early_traffic_secret', client_handshake: 'client_handshake_traffic_secret', server_handshake: 'server_handshake_traffic_secret',
      client_application: 'client_application_traffic_secret_0', server_application: 'server_application_traffic_secret_0',
    };
    for (const [k, h] of Object.entries(s)) L.push(`  ${names[k] ?? k} = ${h}`);
    if ((v.traffic_keys as V[]).length) {
      L.push('由每个密钥导出：key = HKDF-Expand-Label(secret, "key", "", 密钥长度)，iv = HKDF-Expand-Label(secret, "iv", "", 12)：');
      for (const k of v.traffic_keys as V[]) L.push(`  ${names[k.secret] ?? k.secret}：key ${k.key}，iv ${k.iv}`);
    }
    return L;
  }
  if (!v.master_secret) return [`未解密：${statusText(v.status, v.status_text)}。`];
  if (v.source === 'rsa_key') L.push(`服务器的 RSA 私钥解密了加密的预主密钥（PKCS#1 v1.5）：pre_master_secret = ${v.pre_master_secret}（48 字节；前两个字节 ${v.pre_master_version} 重复客户端的版本）。`);
  else if (v.source === 'keylog_premaster') L.push(`密钥日志给出了预主密钥：pre_master_secret = ${v.pre_master_secret}。`);
  else if (v.source === 'keylog_master') L.push(`密钥日志（client random ${shortHex(v.client_random, 8)} 的 CLIENT_RANDOM 行）直接给出了主密钥。`);
  else if (v.resumed) L.push('恢复的会话：沿用早先会话的主密钥。');
  if (v.pre_master_secret && !v.resumed) {
    L.push(v.extended_master_secret
      ? 'master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47]（RFC 7627：session_hash 是到 ClientKeyExchange 为止的握手哈希）'
      : v.version === '0x0300'
        ? 'master_secret = MD5(pre_master_secret + SHA1("A" + pre_master_secret + client_random + server_random)) + 以 "BB"、"CCC" 重复的部分（SSL 3.0 自己的构造，不是 PRF）'
        : `master_secret = PRF(pre_master_secret, "master secret", client_random + server_random)[0..47]${v.version === '0x0301' || v.version === '0x0302' ? '（TLS 1.0/1.1：PRF = P_MD5 XOR P_SHA-1）' : ''}`);
  }
  const kb = v.key_block as V | null;
  const values = secretValueLines(v, kb, { aead: '（无：AEAD 算法自带认证）', explicitIv: '（无：TLS 1.1+ 的 CBC 在每个记录中发送显式 IV）', none: '（无）' });
  L.push(...values.slice(0, 3));
  if (kb) {
    L.push(v.version === '0x0300'
      ? 'key_block = 用 SSL 3.0 的 MD5/SHA-1 构造，由 master_secret 和 server_random + client_random 扩展而来，切分为：'
      : 'key_block = PRF(master_secret, "key expansion", server_random + client_random)，切分为：');
    L.push(...values.slice(3));
  }
  return L;
}

/** 受保护记录无法解开的原因（RecordFailureReason 代码）。 */
const RECORD_FAILURE: Record<string, string> = {
  tag_mismatch: '认证标签校验失败（密钥错误，或记录被改动）',
  bad_record_mac: 'MAC 不匹配（密钥错误，或记录被改动）',
  bad_padding: 'CBC 填充格式错误（密钥错误，或记录被改动）',
  bad_length: '记录太短，放不下 IV、标签或 MAC，或不是整数个分组',
  bad_inner_plaintext: '解密后的 TLS 1.3 记录没有内容类型（密钥错误）',
  unsupported_cipher: '这里不支持它的加密算法',
};

function problem(p: CertProblem): string {
  const q = p.params as V;
  const which = q.leaf ? `叶证书 '${q.subject}'` : `证书链中的证书 '${q.subject}'`;
  switch (p.code) {
    case 'expired':
      return `${which}已于 ${q.not_after.slice(0, 10)} 过期，比抓包时间（${q.capture_time.slice(0, 10)}）早 ${q.days} 天。`;
    case 'not-yet-valid':
      return `${which}在 ${q.not_before.slice(0, 10)} 之前无效，比抓包时间（${q.capture_time.slice(0, 10)}）晚 ${q.days} 天。`;
    case 'hostname-mismatch':
      return (q.names as string[]).length
        ? `证书是签发给 ${list(q.names)} 的，而不是 ${q.host}（客户端在 SNI 中请求的名字）。`
        : `证书没有列出任何主机名（主题 ${q.common_name}），因此与 ${q.host}（SNI）不符。`;
    case 'issuer-not-found':
      return `未知 CA：'${q.subject}' 的签发者 '${q.issuer}' 既不在服务器发送的证书链中，也不在受信任的根证书中。`;
    case 'self-signed':
      return `'${q.subject}' 是自签名证书，且不是受信任的根证书。`;
    case 'bad-signature':
      return `签名无效：'${q.subject}' 上的 ${q.algorithm} 签名无法用其签发者 '${q.issuer}' 的公钥验证；证书被篡改过，或者并非由该 CA 签发。`;
    default:
      return `${PROBLEM_SHORT[p.code] ?? p.code}：${p.message}。`;
  }
}

function finding(f: Finding): string {
  const q = f.params as V;
  switch (f.code) {
    case 'deprecated_version': return `${q.version} 已被弃用（RFC 8996）；请使用 TLS 1.2 或 TLS 1.3。`;
    case 'no_forward_secrecy': return `${q.suite} 使用 ${q.key_exchange} 密钥交换：没有前向保密，服务器私钥可以解密所有录下的会话。`;
    case 'weak_cipher': return `${q.suite}：${q.cipher} 是弱的或已被攻破的加密算法。`;
    case 'cbc_mode': return q.encrypt_then_mac
      ? `${q.suite} 使用 CBC，这里因先加密后 MAC（RFC 7366）而是安全的；仍更推荐 AEAD 套件（GCM、ChaCha20-Poly1305）。`
      : `${q.suite} 使用 CBC 和先 MAC 后加密（曾有填充预言攻击）；更推荐 AEAD 套件（GCM、ChaCha20-Poly1305）。`;
    case 'certificate_invalid': return `服务器证书未通过验证（${(q.problems as string[]).map((c) => PROBLEM_SHORT[c] ?? c).join('，')}）。`;
    case 'sha1_signature': return `'${q.subject}' 使用 ${q.algorithm} 签名；SHA-1 和 MD5 签名已不再可信。`;
    case 'short_key': return `'${q.subject}' 使用 ${q.bits} 位的 ${q.algorithm} 密钥，如今太短。`;
    case 'no_sni': return 'ClientHello 中没有 SNI：服务器无法按名字选择证书，也未检查主机名。';
    case 'no_alpn': return '未提供 ALPN：握手中没有协商应用协议。';
    case 'alert': return `${SIDE[q.from]}在帧 ${q.frame} 发送了 ${q.level} 告警：${q.description}。`;
    case 'handshake_incomplete': return q.server_hello ? '握手没有完成（双方没有都发送 Finished）。' : '握手没有完成：服务器始终没有回复 ServerHello。';
    case 'finished_mismatch': return `帧 ${q.frame} 中${SIDE[q.side]}的 Finished 与重新计算的值不一致：密钥错误，或握手被篡改。`;
    case 'decryption_failed': return `解密在帧 ${q.frame}（第 ${q.record} 个记录）失败：${RECORD_FAILURE[String(q.reason)] ?? q.reason}。`;
    case 'not_decrypted': return `未解密：${statusText(q.status, q.text)}。`;
    case 'key_exchange_signature': return `帧 ${q.frame} 中的 ServerKeyExchange 不是用证书的密钥签名的：密钥交换参数被篡改，或者服务器并非证书所声称的身份。`;
  }
}

export const ZH: Catalogue = {
  lang: 'zh',
  heading: (ex) => `TLS 连接（tcp.stream ${ex.stream}）：${ex.client} → ${ex.server}${ex.sni ? `，SNI ${ex.sni}` : ''}${ex.version ? `，${ex.version}` : ''}${ex.cipher_suite ? `，${ex.cipher_suite}` : ''}`,
  title: (id) => TITLES[id],
  frames: (f) => (f.length === 0 ? '' : `帧 ${f.join('、')}`),
  lines,
  problem,
  finding,
};
