#!/usr/bin/env bash
# The lab's certificates for https: Tests/lab/tls-certs.sh DIR writes into DIR
#   ca.pem                  a CA of its own (the one an image built with --https trusts)
#   server.pem, server.key  the https server's certificate, signed by it, valid for the IP
#                           addresses 10.0.2.2 (the host as qemu's guest sees it) and
#                           127.0.0.1 (host tests), and no name
#   other-ca.pem            a second CA that signed nothing here: trusting only it, the
#                           server is refused
# Keys are EC P-256 (fast to make), valid 30 days from now (qemu's guest clock is the
# host's). Existing files are kept while the server's certificate is valid another day.
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
if [ -s server.pem ] && openssl x509 -in server.pem -noout -checkend 86400 >/dev/null 2>&1 && [ -s other-ca.pem ]; then
  exit 0
fi
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
for ca in ca other-ca; do
  openssl req -x509 "${ec[@]}" -keyout "$ca.key" -out "$ca.pem" -days 30 \
    -subj "/CN=Stateless lab $ca" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
done
openssl req -new "${ec[@]}" -keyout server.key -out server.csr -subj "/CN=stateless lab server" 2>/dev/null
printf 'subjectAltName=IP:10.0.2.2,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
  -days 30 -extfile server.ext 2>/dev/null
rm -f server.csr server.ext ca.srl
