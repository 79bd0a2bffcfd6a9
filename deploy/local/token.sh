#!/usr/bin/env bash
# Prints a bearer token for local use, signed with the development key of appsettings.Development.json.
#   deploy/local/token.sh ROLE [MUNICIPALITY_CODE]
# ROLE: police-officer | socialjour-staff | municipality-staff (needs MUNICIPALITY_CODE) | operator | auditor
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
role=${1:-}
municipality=${2:-}
case "$role" in
  police-officer|socialjour-staff|operator|auditor) ;;
  municipality-staff) [[ "$municipality" =~ ^[0-9]{4}$ ]] || { echo "municipality-staff needs a 4-digit MUNICIPALITY_CODE, e.g. 0138" >&2; exit 2; } ;;
  *) echo "usage: $0 police-officer|socialjour-staff|municipality-staff CODE|operator|auditor" >&2; exit 2 ;;
esac

key=$(sed -n 's/.*"DevelopmentSigningKey": *"\([^"]*\)".*/\1/p' "$root/src/RocRouting.Api/appsettings.Development.json")
issuer=${ROC_TOKEN_ISSUER:-rocrouting-local}
audience=${ROC_TOKEN_AUDIENCE:-rocrouting}
now=$(date +%s)
exp=$((now + ${ROC_TOKEN_HOURS:-8} * 3600))

extra=""
[ "$role" = police-officer ] && extra=',"unit":"Lokal testenhet"'
[ "$role" = municipality-staff ] && extra=",\"municipality\":\"$municipality\""
payload="{\"sub\":\"local-$role${municipality:+-$municipality}\",\"role\":\"$role\"$extra,\"iss\":\"$issuer\",\"aud\":\"$audience\",\"iat\":$now,\"nbf\":$now,\"exp\":$exp}"

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
header=$(printf '%s' '{"alg":"HS256","typ":"JWT"}' | b64url)
body=$(printf '%s' "$payload" | b64url)
hexkey=$(printf '%s' "$key" | base64 -d | od -An -v -tx1 | tr -d ' \n')
signature=$(printf '%s' "$header.$body" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hexkey" -binary | b64url)
printf '%s.%s.%s\n' "$header" "$body" "$signature"
