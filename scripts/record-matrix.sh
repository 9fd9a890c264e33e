#!/usr/bin/env bash
# Records the nginx + curl/openssl/Chromium decryption matrix (issue 4): TLS 1.2 and 1.3, HTTP/1.1
# and HTTP/2, AES-GCM, ChaCha20-Poly1305, CBC with and without encrypt_then_mac, RSA and ECDHE key
# exchange, resumption by session ID, ticket and TLS 1.3 PSK, HelloRetryRequest, KeyUpdate both
# ways, 0-RTT early data, keep-alive, pipelining, h2 multiplexing, POST bodies, gzip responses, a
# 404, and a page loaded by headless Chromium (when installed). A real nginx runs in a private
# network namespace (addresses .2: session tickets; .3: session-ID cache, no tickets; .4: P-256
# only, early data) behind an Ethernet veth (MTU 1500, no offloads, everything on one CPU so that
# no segment is reordered); tcpdump records the veth; the clients log their keys (SSLKEYLOGFILE).
# Every job uses its own SNI (jNN.matrix.test): that is how the manifest maps connections to jobs.
# Needs root, iproute2, ethtool, nginx, curl, tcpdump, openssl (Debian packages); ~10 s.
#
# usage: record-matrix.sh OUTDIR
# writes OUTDIR/matrix.pcap, matrix.keys (NSS key log), ca.pem, leaf.pem, leaf.key, and
#   jobs.tsv:     job sni client(curl|openssl|chromium) tls(1.2|1.3) cipher(IANA)
#                 alpn(h2|http/1.1|- none) etm(yes|no|- n/a)
#                 resumption(no|ticket|session-id|psk, one per connection; chromium: the first)
#                 feature(hrr|keyupdate|early|-)
#   requests.tsv: job sni method url status response-sha256 request-body-sha256|-
# (the expected bodies are what curl saved, checked against the served files; for s_client and
# Chromium the served files themselves; Chromium's requests are those in nginx's access log)
set -euo pipefail
OUT=${1:?usage: record-matrix.sh OUTDIR}
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd); W=$(mktemp -d)
for t in nginx curl tcpdump openssl ip ethtool taskset sha256sum; do
  command -v $t >/dev/null || { echo "record-matrix: missing $t (apt-get install nginx curl tcpdump openssl iproute2 ethtool)" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "record-matrix: needs root (network namespace, nginx on port 443, tcpdump)" >&2; exit 2; }
NS=mxns$$; A=mx$$a; B=mx$$b; NET=10.215.$((RANDOM % 250)); SA=$NET.2; SB=$NET.3; SC=$NET.4; TP=
cleanup() {
  [ -n "$TP" ] && kill "$TP" 2>/dev/null
  [ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null
  ip link del $A 2>/dev/null; ip netns del $NS 2>/dev/null; rm -rf "$W"
}
trap cleanup EXIT

# --- PKI: a test CA and a leaf for *.matrix.test ---------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/ca.key" -out "$OUT/ca.pem" -days 30 \
  -subj "/CN=tlslens matrix CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$OUT/leaf.key" -out "$W/leaf.csr" -subj "/CN=matrix.test" 2>/dev/null
printf 'subjectAltName=DNS:matrix.test,DNS:*.matrix.test\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' > "$W/ext"
openssl x509 -req -in "$W/leaf.csr" -CA "$OUT/ca.pem" -CAkey "$W/ca.key" -set_serial 0x$(openssl rand -hex 8) -days 30 -extfile "$W/ext" -out "$OUT/leaf.pem" 2>/dev/null

# --- content of known digest ----------------------------------------------------------------
chmod 755 "$W"; mkdir -p "$W/www" "$W/tmp" "$W/got"
printf '<!doctype html>\n<title>tlslens matrix</title>\n<p>hello from nginx</p>\n' > "$W/www/index.html"
printf '{"matrix":true,"items":[1,2,3],"text":"%s"}\n' "$(seq -s, 1 300)" > "$W/www/data.json"
seq -f 'line %g of the large text file, compressible and easy to check' 1 2500 > "$W/www/big.txt"
head -c 70000 /dev/urandom > "$W/www/blob.bin"
seq 1 400 | sed 's/.*/field&=value&/' | paste -sd'&' > "$W/post.txt"
# a page for the browser: a stylesheet, a script and an image (binary), all same-origin
printf '<!doctype html>\n<title>matrix page</title>\n<link rel="stylesheet" href="/style.css">\n<script src="/app.js"></script>\n<img src="/blob.bin" alt="">\n<p>matrix</p>\n' > "$W/www/page.html"
seq -f 'p.c%g { color: #123456; margin: 0 }' 1 200 > "$W/www/style.css"
seq 1 300 | sed 's/.*/window.v& = &;/' > "$W/www/app.js"
head -c 1150 /dev/urandom > "$W/www/favicon.ico"

cat > "$W/nginx.conf" <<EOF
worker_processes 1; pid $W/nginx.pid; error_log $W/error.log;
events { worker_connections 256; }
http {
  default_type application/octet-stream;
  types { text/html html; application/json json; text/plain txt; text/css css; application/javascript js; image/x-icon ico; }
  log_format mx '\$ssl_server_name \$request_method \$request_uri \$status'; access_log $W/access.log mx;
  client_body_temp_path $W/tmp; proxy_temp_path $W/tmp; fastcgi_temp_path $W/tmp; uwsgi_temp_path $W/tmp; scgi_temp_path $W/tmp;
  gzip on; gzip_min_length 100; gzip_types text/plain application/json text/css application/javascript;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_ciphers 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:AES256-GCM-SHA384:ECDHE-RSA-AES128-SHA:AES256-SHA256';
  ssl_certificate $OUT/leaf.pem; ssl_certificate_key $OUT/leaf.key;
  root $W/www;
  location_placeholder
  server { listen $SA:443 ssl http2; server_name _; ssl_session_tickets on; ssl_session_cache off; INNER }
  server { listen $SB:443 ssl http2; server_name _; ssl_session_tickets off; ssl_session_cache shared:mx:1m; INNER }
  server { listen $SC:443 ssl http2; server_name _; ssl_ecdh_curve prime256v1; ssl_early_data on; ssl_session_cache shared:mxc:1m; INNER }
}
EOF
# both servers: static files, POST /submit answers 201, the rest 404
sed -i -e 's|location_placeholder||' -e 's|INNER|location = /submit { client_max_body_size 1m; return 201 "created\\n"; } location / { }|' "$W/nginx.conf"

ip netns add $NS; ip link add $A type veth peer name $B; ip link set $B netns $NS
ip addr add $NET.1/24 dev $A; ip link set $A up
ip netns exec $NS sh -c "ip addr add $SA/24 dev $B; ip addr add $SB/24 dev $B; ip addr add $SC/24 dev $B; ip link set $B up; ip link set lo up"
ethtool -K $A tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec $NS ethtool -K $B tso off gso off gro off >/dev/null 2>&1 || true
# everything on one CPU: a veth fed from two CPUs reorders segments (the capture then misses
# data that tshark and tlslens would need out-of-order reassembly for)
PIN='taskset -c 0'
ip netns exec $NS $PIN nginx -c "$W/nginx.conf" -p "$W"
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -f "$W/nginx.pid" ] && break; sleep 0.1; done

rm -f "$OUT/matrix.pcap" "$OUT/matrix.keys"
printf 'job\tsni\tclient\ttls\tcipher\talpn\tetm\tresumption\tfeature\n' > "$OUT/jobs.tsv"
printf 'job\tsni\tmethod\turl\tstatus\tresponse_sha256\trequest_sha256\n' > "$OUT/requests.tsv"
tcpdump -i $A -s 0 -B 8192 --immediate-mode -U -w "$OUT/matrix.pcap" 'tcp port 443' 2>/dev/null & TP=$!
for _ in $(seq 50); do [ -s "$OUT/matrix.pcap" ] && break; sleep 0.05; done; sleep 0.3
export SSLKEYLOGFILE=$OUT/matrix.keys
sha() { sha256sum "$1" | cut -d' ' -f1; }

# job ID ADDR CLIENT TLS CIPHER ALPN ETM RESUMPTION -- CURL-OPTIONS… PATH… (/x is a GET, POST:/x a POST
# of post.txt; POSTs go through --next, which keeps curl's connection and session caches)
job() {
  local id=$1 addr=$2 client=$3 tls=$4 cipher=$5 alpn=$6 etm=$7 res=$8; shift 9
  local sni=$id.matrix.test reqs=() n=0 a
  local common=(-sS -k --resolve "$sni:443:$addr" -w '%{filename_effective} %{http_code}\n') full=() next=0
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$sni" "$client" "$tls" "$cipher" "$alpn" "$etm" "$res" "${FEATURE:--}" >> "$OUT/jobs.tsv"
  while [ $# -gt 0 ] && [ "${1:0:1}" != / ] && [ "${1:0:5}" != POST: ]; do common+=("$1"); shift; done
  full=("${common[@]}")
  for a in "$@"; do
    n=$((n + 1)); reqs+=("$a")
    if [ "${a:0:5}" = POST: ]; then full+=(--next "${common[@]}" --data-binary "@$W/post.txt"); next=1
    elif [ $next = 1 ]; then full+=(--next "${common[@]}"); next=0; fi
    full+=(-o "$W/got/$id.$n" "https://$sni${a#POST:}")
  done
  # (--parallel prints a progress meter even with -s: stderr is shown only on failure)
  $PIN curl "${full[@]}" > "$W/got/$id.codes" 2> "$W/got/$id.err" || { cat "$W/got/$id.err" >&2; exit 3; }
  local i=0 k code r m p body file
  sort -t. -k3n "$W/got/$id.codes" > "$W/got/$id.sorted"   # --parallel answers in completion order
  while read -r file code; do
    i=$((i + 1)); k=${file##*.}
    [ "$k" = $i ] || { echo "record-matrix: $id: transfer $i missing" >&2; exit 3; }
    r=${reqs[$((i - 1))]}; m=GET; body=-; p=${r#POST:}
    if [ "${r:0:5}" = POST: ]; then m=POST; body=$(sha "$W/post.txt"); fi
    if [ "$code" = 200 ] && ! cmp -s "$W/got/$id.$i" "$W/www$p"; then echo "record-matrix: $id $p: curl's body differs from the file" >&2; exit 3; fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$sni" "$m" "https://$sni$p" "$code" "$(sha "$W/got/$id.$i")" "$body" >> "$OUT/requests.tsv"
  done < "$W/got/$id.sorted"
  [ "$i" = "$n" ] || { echo "record-matrix: $id: $i of $n transfers answered" >&2; exit 3; }
}

# sclient ID ADDR OPENSSL-CIPHER CIPHER(IANA) ETM RESUME PATH… : TLS 1.2 HTTP/1.1 GETs through
# openssl s_client (no ALPN; -no_etm when ETM is "no"). RESUME "no": one connection, the requests
# pipelined; "ticket" or "session-id": one connection per request, each resuming the session of the
# one before (-sess_out/-sess_in; -no_ticket for session-id).
sclient() {
  local id=$1 addr=$2 ossl=$3 cipher=$4 etm=$5 resume=$6; shift 6
  local sni=$id.matrix.test p last=${!#}
  local opt=(-quiet -connect "$addr:443" -servername "$sni" -tls1_2 -cipher "$ossl" -keylogfile "$SSLKEYLOGFILE")
  local res=no req='' n=0 k
  [ "$etm" = no ] && opt+=(-no_etm)
  [ "$resume" = session-id ] && opt+=(-no_ticket)
  if [ "$resume" != no ]; then res=no$(printf ",$resume%.0s" $(seq $(($# - 1)))); fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$sni" openssl 1.2 "$cipher" - "$etm" "$res" - >> "$OUT/jobs.tsv"
  for p in "$@"; do
    printf '%s\t%s\tGET\t%s\t200\t%s\t-\n' "$id" "$sni" "https://$sni$p" "$(sha "$W/www$p")" >> "$OUT/requests.tsv"
    req+="GET $p HTTP/1.1\r\nHost: $sni\r\n"
    if [ "$resume" = no ] && [ "$p" != "$last" ]; then req+="\r\n"; continue; fi
    req+="Connection: close\r\n\r\n"; n=$((n + 1))
    k=(); [ $n -gt 1 ] && k=(-sess_in "$W/$id.sess")
    printf "$req" | timeout 20 $PIN openssl s_client "${opt[@]}" "${k[@]}" -sess_out "$W/$id.sess" >> "$W/got/$id.out" 2>/dev/null || true
    req=''
  done
  local got; got=$(grep -a -o 'HTTP/1.1 200 OK' "$W/got/$id.out" | wc -l)
  [ "$got" = $# ] || { echo "record-matrix: $id: $got of $# responses through s_client" >&2; exit 3; }
}

# s13 ID ADDR CIPHER(IANA) MODE PATH… : TLS 1.3 HTTP/1.1 GETs through openssl s_client (P-256 only).
# MODE "keyupdate": one connection, a KeyUpdate asking for the server's before each request but the
# first (s_client's "K" command: stdin fed slowly, commands on); "early": one connection per
# request, each resuming the previous session and sending its request as 0-RTT early data.
s13() {
  local id=$1 addr=$2 cipher=$3 mode=$4; shift 4
  local sni=$id.matrix.test p last=${!#} res=no n=0 k
  local opt=(-quiet -connect "$addr:443" -servername "$sni" -tls1_3 -ciphersuites "$cipher" -groups P-256 -keylogfile "$SSLKEYLOGFILE")
  if [ "$mode" = early ]; then res=no$(printf ',psk%.0s' $(seq $(($# - 1)))); fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$sni" openssl 1.3 "$cipher" - - "$res" "$mode" >> "$OUT/jobs.tsv"
  for p in "$@"; do
    printf '%s\t%s\tGET\t%s\t200\t%s\t-\n' "$id" "$sni" "https://$sni$p" "$(sha "$W/www$p")" >> "$OUT/requests.tsv"
  done
  if [ "$mode" = keyupdate ]; then
    # s_client takes "K" as a command only when it reads that line alone: wait for the previous
    # response, then give it time before the next request
    mkfifo "$W/$id.in"
    timeout 15 $PIN openssl s_client "${opt[@]}" -no_ign_eof < "$W/$id.in" > "$W/got/$id.out" 2>/dev/null & k=$!
    exec 7> "$W/$id.in"
    for p in "$@"; do
      if [ $n -gt 0 ]; then
        for _ in $(seq 200); do [ "$(grep -a -o 'HTTP/1.1 200 OK' "$W/got/$id.out" | wc -l)" -ge $n ] && break; sleep 0.05; done
        printf 'K\n' >&7; sleep 0.5
      fi
      n=$((n + 1))
      local close=''; [ "$p" = "$last" ] && close='Connection: close\r\n'
      printf "GET $p HTTP/1.1\r\nHost: $sni\r\n$close\r\n" >&7
    done
    wait $k || true; exec 7>&-
  else
    for p in "$@"; do
      n=$((n + 1))
      printf "GET $p HTTP/1.1\r\nHost: $sni\r\nConnection: close\r\n\r\n" > "$W/$id.req"
      k=(); [ $n -gt 1 ] && k=(-sess_in "$W/$id.sess" -early_data "$W/$id.req")
      if [ $n -gt 1 ]; then $PIN timeout 5 openssl s_client "${opt[@]}" "${k[@]}" -sess_out "$W/$id.sess" < /dev/null >> "$W/got/$id.out" 2>/dev/null || true
      else $PIN timeout 5 openssl s_client "${opt[@]}" -sess_out "$W/$id.sess" < "$W/$id.req" >> "$W/got/$id.out" 2>/dev/null || true; fi
    done
  fi
  local got; got=$(grep -a -o 'HTTP/1.1 200 OK' "$W/got/$id.out" | wc -l)
  [ "$got" = $# ] || { echo "record-matrix: $id: $got of $# responses through s_client" >&2; exit 3; }
}

# browser ID ADDR PAGE : headless Chromium (BoringSSL; Debian's chromium package) loads PAGE and
# what it references; the requests made are read from nginx's access log. Skipped without chromium.
browser() {
  local id=$1 addr=$2 page=$3 sni=$1.matrix.test s m u st
  command -v chromium >/dev/null || { echo "record-matrix: chromium not installed: $id skipped" >&2; return 0; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$sni" chromium 1.3 TLS_AES_128_GCM_SHA256 h2 - no - >> "$OUT/jobs.tsv"
  timeout 60 $PIN chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$W/chromium" --ssl-key-log-file="$SSLKEYLOGFILE" \
    --ignore-certificate-errors --host-resolver-rules="MAP $sni $addr" --dump-dom "https://$sni$page" > "$W/got/$id.dom" 2>/dev/null || true
  grep -q '<p>matrix</p>' "$W/got/$id.dom" || { echo "record-matrix: $id: chromium did not load the page" >&2; exit 3; }
  while read -r s m u st; do
    [ "$s" = "$sni" ] || continue
    local h=-; [ "$st" = 200 ] && h=$(sha "$W/www$u")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t-\n' "$id" "$sni" "$m" "https://$sni$u" "$st" "$h" >> "$OUT/requests.tsv"
  done < "$W/access.log"
}

T12='--tls-max 1.2'; T13='--tlsv1.3'
E=TLS_ECDHE_RSA_WITH
# shellcheck disable=SC2086
{
job j01 $SA curl 1.2 ${E}_AES_128_GCM_SHA256 http/1.1 - no -- --http1.1 $T12 --ciphers ECDHE-RSA-AES128-GCM-SHA256 --compressed /index.html /data.json /big.txt POST:/submit
job j02 $SA curl 1.2 ${E}_AES_256_GCM_SHA384 h2 - no -- --http2 $T12 --ciphers ECDHE-RSA-AES256-GCM-SHA384 --compressed --parallel /index.html /big.txt /blob.bin /data.json /missing
job j03 $SA curl 1.2 TLS_RSA_WITH_AES_256_GCM_SHA384 http/1.1 - no -- --http1.1 $T12 --ciphers AES256-GCM-SHA384 /blob.bin POST:/submit
job j04 $SA curl 1.2 ${E}_CHACHA20_POLY1305_SHA256 h2 - no -- --http2 $T12 --ciphers ECDHE-RSA-CHACHA20-POLY1305 --compressed /data.json POST:/submit
job j05 $SA curl 1.2 ${E}_CHACHA20_POLY1305_SHA256 http/1.1 - no -- --http1.1 $T12 --ciphers ECDHE-RSA-CHACHA20-POLY1305 /index.html /missing
job j06 $SA curl 1.3 TLS_AES_128_GCM_SHA256 h2 - no -- --http2 $T13 --tls13-ciphers TLS_AES_128_GCM_SHA256 --compressed --parallel /index.html /data.json /big.txt /blob.bin POST:/submit
job j07 $SA curl 1.3 TLS_AES_256_GCM_SHA384 http/1.1 - no -- --http1.1 $T13 --tls13-ciphers TLS_AES_256_GCM_SHA384 --compressed /index.html /big.txt /data.json
job j08 $SA curl 1.3 TLS_CHACHA20_POLY1305_SHA256 h2 - no -- --http2 $T13 --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256 /blob.bin /index.html POST:/submit
job j09 $SA curl 1.3 TLS_CHACHA20_POLY1305_SHA256 http/1.1 - no -- --http1.1 $T13 --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256 --compressed /data.json
job j10 $SA curl 1.2 ${E}_AES_128_CBC_SHA http/1.1 yes no -- --http1.1 $T12 --ciphers ECDHE-RSA-AES128-SHA --compressed /index.html /big.txt
job j11 $SA curl 1.2 TLS_RSA_WITH_AES_256_CBC_SHA256 h2 yes no -- --http2 $T12 --ciphers AES256-SHA256 /data.json /blob.bin POST:/submit
sclient j12 $SA ECDHE-RSA-AES128-SHA ${E}_AES_128_CBC_SHA no no /index.html /data.json /big.txt
sclient j13 $SA AES256-SHA256 TLS_RSA_WITH_AES_256_CBC_SHA256 no no /blob.bin /index.html
# curl (OpenSSL backend) never offers TLS 1.2 session tickets: s_client does
sclient j14 $SA ECDHE-RSA-AES128-GCM-SHA256 ${E}_AES_128_GCM_SHA256 - ticket /index.html /data.json /big.txt
job j15 $SB curl 1.2 ${E}_AES_256_GCM_SHA384 http/1.1 - no,session-id,session-id -- --http1.1 $T12 --ciphers ECDHE-RSA-AES256-GCM-SHA384 -H 'Connection: close' /index.html /data.json /blob.bin
job j16 $SB curl 1.2 ${E}_AES_128_CBC_SHA http/1.1 yes no,session-id -- --http1.1 $T12 --ciphers ECDHE-RSA-AES128-SHA -H 'Connection: close' /data.json /index.html
job j17 $SA curl 1.3 TLS_AES_128_GCM_SHA256 http/1.1 - no,psk,psk -- --http1.1 $T13 --tls13-ciphers TLS_AES_128_GCM_SHA256 -H 'Connection: close' /index.html /data.json /big.txt
job j18 $SA curl 1.3 TLS_CHACHA20_POLY1305_SHA256 http/1.1 - no,psk -- --http1.1 $T13 --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256 -H 'Connection: close' --compressed /big.txt /index.html
sclient j19 $SB ECDHE-RSA-AES128-SHA ${E}_AES_128_CBC_SHA no session-id /index.html /blob.bin
sclient j20 $SA AES256-SHA256 TLS_RSA_WITH_AES_256_CBC_SHA256 no ticket /data.json /index.html
# TLS 1.3 HelloRetryRequest (SC only does P-256), KeyUpdate both ways, 0-RTT early data
FEATURE=hrr job j21 $SC curl 1.3 TLS_AES_256_GCM_SHA384 h2 - no -- --http2 $T13 --tls13-ciphers TLS_AES_256_GCM_SHA384 --curves X25519:P-256 /index.html /data.json
s13 j22 $SC TLS_CHACHA20_POLY1305_SHA256 keyupdate /index.html /data.json /big.txt
s13 j23 $SC TLS_AES_128_GCM_SHA256 early /index.html /data.json /index.html
browser j24 $SA /page.html
}
sleep 0.5; kill "$TP"; wait "$TP" 2>/dev/null || true; TP=
echo "record-matrix: $OUT/matrix.pcap ($(stat -c %s "$OUT/matrix.pcap") bytes), $(($(wc -l < "$OUT/jobs.tsv") - 1)) jobs, $(($(wc -l < "$OUT/requests.tsv") - 1)) requests" >&2
