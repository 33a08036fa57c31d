#!/bin/sh
# Regenerates the test PKI (run in this directory).  Test-only keys: never
# use them anywhere else.
#   ca.*       the CA phones and Carillon trust in the tests
#   server.*   127.0.0.1 / ::1 / localhost, signed by ca
#   client.*   a phone certificate signed by ca
#   rogue.*    a self-signed certificate nobody trusts
set -eu
days=36500
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
openssl req -x509 $ec -days $days -subj /CN=carillon-test-ca -keyout ca.key -out ca.crt \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
sign() {
    openssl req $ec -subj "/CN=$1" -keyout "$1.key" -out "$1.csr"
    printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\n' "$2" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days $days \
        -extfile "$1.ext" -out "$1.crt"
    rm -f "$1.csr" "$1.ext"
}
sign server "DNS:localhost,IP:127.0.0.1,IP:::1"
sign client "DNS:phone.test"
openssl req -x509 $ec -days $days -subj /CN=rogue -keyout rogue.key -out rogue.crt \
    -addext subjectAltName=IP:127.0.0.1
rm -f ca.srl
