#!/usr/bin/env bash
# Fetch what an AWS host of turms-server needs at boot, with the instance role's credentials (no AWS CLI: curl's
# SigV4 signing, python3 for JSON). Run by cloud-init and by turms-credentials.service at every boot.
#
#   aws-fetch.sh credentials LIST DIR   each line of LIST is `<name> <SSM parameter name>`: the parameter's
#                                       decrypted value is written to DIR/<name> (root-only, 0600, replaced
#                                       atomically); a name that is no longer listed is removed from DIR
#   aws-fetch.sh object URL SHA256 DEST download s3://bucket/key (signed with the role) or https://… and
#                                       install it at DEST only if its SHA-256 is SHA256
#
# Transient failures (the metadata service or SSM not reachable yet while the network comes up) are retried
# for up to TURMS_FETCH_ATTEMPTS (30) attempts, 2 s apart; then the script fails, naming what it could not get.
# The endpoints can be overridden (tests point them at a local server): TURMS_IMDS_URL, TURMS_SSM_URL,
# TURMS_S3_URL (path-style: <url>/<bucket>/<key>).
set -euo pipefail
umask 077

IMDS="${TURMS_IMDS_URL:-http://169.254.169.254}"
ATTEMPTS="${TURMS_FETCH_ATTEMPTS:-30}"

die() { echo "aws-fetch: $*" >&2; exit 1; }
TMP=""
trap '[ -z "$TMP" ] || rm -f "$TMP"' EXIT

retry() {  # retry CMD…: run CMD until it succeeds, ATTEMPTS times at most
  local i
  for ((i = 1; i <= ATTEMPTS; i++)); do
    if "$@"; then return 0; fi
    [ "$i" -lt "$ATTEMPTS" ] && sleep "${TURMS_FETCH_DELAY_S:-2}"
  done
  return 1
}

imds() {  # IMDSv2: a session token first (the hosts require it: http_tokens = "required")
  local token
  token="$(curl -sf --max-time 5 -X PUT "$IMDS/latest/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 300")" || return 1
  curl -sf --max-time 5 -H "X-aws-ec2-metadata-token: $token" "$IMDS/latest/$1"
}

json_field() {  # json_field KEY…: read JSON on stdin, print the value at KEY/KEY/…
  python3 -c 'import json, sys
value = json.load(sys.stdin)
for key in sys.argv[1:]:
    value = value[key]
sys.stdout.write(value)' "$@"
}

load_role() {  # sets REGION, AK, SK, TOKEN from the instance profile
  local role doc
  REGION="$(imds meta-data/placement/region)" || return 1
  role="$(imds meta-data/iam/security-credentials/)" || return 1
  [ -n "$role" ] || return 1
  doc="$(imds "meta-data/iam/security-credentials/$role")" || return 1
  AK="$(json_field AccessKeyId <<<"$doc")"
  SK="$(json_field SecretAccessKey <<<"$doc")"
  TOKEN="$(json_field Token <<<"$doc")"
}

signed_curl() {  # signed_curl SERVICE CURL-ARGS…: the secret key and token go through stdin, not argv
  local service="$1"
  shift
  printf 'user = "%s:%s"\nheader = "x-amz-security-token: %s"\n' "$AK" "$SK" "$TOKEN" |
    curl -sS -f --max-time 60 --config - --aws-sigv4 "aws:amz:$REGION:$service" "$@"
}

ssm_get() {  # ssm_get NAME: the decrypted value of one parameter on stdout
  local body url
  body="$(python3 -c 'import json, sys; print(json.dumps({"Name": sys.argv[1], "WithDecryption": True}))' "$1")"
  url="${TURMS_SSM_URL:-https://ssm.$REGION.amazonaws.com}/"
  signed_curl ssm -X POST -H "Content-Type: application/x-amz-json-1.1" \
    -H "X-Amz-Target: AmazonSSM.GetParameter" --data-binary "$body" "$url" | json_field Parameter Value
}

credentials() {
  local list="$1" dir="$2" name param value
  [ -f "$list" ] || die "no parameter list $list"
  retry load_role || die "no instance role credentials from the metadata service at $IMDS"
  install -d -m 0700 "$dir"
  declare -A wanted=()
  while read -r name param; do
    [ -z "$name" ] || [ "${name:0:1}" = "#" ] && continue
    [[ "$name" =~ ^[a-z0-9][a-z0-9-]*$ ]] || die "bad credential name '$name' in $list"
    value="$(retry ssm_get "$param")" || die "cannot read the SSM parameter $param (for $name)"
    [ -n "$value" ] || die "the SSM parameter $param (for $name) is empty"
    TMP="$(mktemp "$dir/.$name.XXXXXX")"
    printf '%s\n' "$value" >"$TMP"
    chmod 0600 "$TMP"
    mv -f "$TMP" "$dir/$name"
    TMP=""
    wanted[$name]=1
  done <"$list"
  # A credential dropped from the list must not linger (install.sh hands every file present to the service).
  for path in "$dir"/*; do
    [ -e "$path" ] || continue
    name="$(basename "$path")"
    [ -n "${wanted[$name]:-}" ] || rm -f "$path"
  done
  echo "aws-fetch: ${#wanted[@]} credentials written to $dir"
}

object() {
  local url="$1" want="$2" dest="$3" got bucket key
  [[ "$want" =~ ^[0-9a-f]{64}$ ]] || die "expected a SHA-256 in hex, got '$want'"
  TMP="$(mktemp "$(dirname "$dest")/.fetch.XXXXXX")"
  case "$url" in
    s3://*)
      retry load_role || die "no instance role credentials from the metadata service at $IMDS"
      bucket="${url#s3://}"; key="${bucket#*/}"; bucket="${bucket%%/*}"
      local base="${TURMS_S3_URL:+$TURMS_S3_URL/$bucket}"
      base="${base:-https://$bucket.s3.$REGION.amazonaws.com}"
      # A GET has an empty body: its SHA-256 is the payload hash S3 wants in x-amz-content-sha256.
      retry signed_curl s3 -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
        -o "$TMP" "$base/$key" || die "cannot download $url"
      ;;
    https://*)
      retry curl -sS -f --max-time 300 -o "$TMP" "$url" || die "cannot download $url"
      ;;
    *) die "only s3:// and https:// URLs are fetched: $url" ;;
  esac
  got="$(sha256sum "$TMP" | cut -d' ' -f1)"
  [ "$got" = "$want" ] || die "$url has SHA-256 $got, expected $want: not installed"
  chmod 0644 "$TMP"
  mv -f "$TMP" "$dest"
  TMP=""
  echo "aws-fetch: $url -> $dest"
}

case "${1:-}" in
  credentials) [ $# -eq 3 ] || die "usage: aws-fetch.sh credentials LIST DIR"; credentials "$2" "$3" ;;
  object) [ $# -eq 4 ] || die "usage: aws-fetch.sh object URL SHA256 DEST"; object "$2" "$3" "$4" ;;
  *) die "usage: aws-fetch.sh credentials LIST DIR | object URL SHA256 DEST" ;;
esac
