#!/usr/bin/env bash
# Builds the Teams app package (the zip you upload to Teams) from manifest.json and the two icons.
#
#   deploy/teams/build-package.sh --app-id <GUID> --host <bot host> [--out smrel-teams.zip]
#       [--version 1.0.0] [--developer-name NAME] [--website URL] [--privacy URL] [--terms URL]
#       [--validate]
#
# --app-id   the Microsoft App ID of the Azure Bot registration (also used as the Teams app id)
# --host     the public host smrel answers on, e.g. smrel.example.com (no https://, no path)
# --version  the app version; raise it on every update you upload (default 1.0.0)
# --website, --privacy, --terms  https URLs shown on the app's About page (default https://<host>/)
# --validate checks the manifest with Microsoft's @microsoft/teams-manifest (needs
#            `npm ci --prefix tests/js` first)
#
# The zip holds manifest.json, color.png and outline.png at its root, as Teams requires.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "build-package: $*" >&2; exit 2; }

app_id="" host="" out="smrel-teams.zip" version="1.0.0" developer="smrel"
website="" privacy="" terms="" validate=0
while [ $# -gt 0 ]; do
  case "$1" in
    --app-id) app_id="${2-}"; shift 2 || usage ;;
    --host) host="${2-}"; shift 2 || usage ;;
    --out) out="${2-}"; shift 2 || usage ;;
    --version) version="${2-}"; shift 2 || usage ;;
    --developer-name) developer="${2-}"; shift 2 || usage ;;
    --website) website="${2-}"; shift 2 || usage ;;
    --privacy) privacy="${2-}"; shift 2 || usage ;;
    --terms) terms="${2-}"; shift 2 || usage ;;
    --validate) validate=1; shift ;;
    -h|--help) usage ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

[ -n "$app_id" ] || die "--app-id is required (the bot's Microsoft App ID)"
[ -n "$host" ] || die "--host is required (the public host smrel answers on)"
guid='^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
[[ "$app_id" =~ $guid ]] || die "--app-id \"$app_id\" is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
# A bare host name: the manifest's validDomains wants no scheme, port or path.
label='[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
[[ "$host" =~ ^$label(\.$label)*$ ]] || die "--host \"$host\" must be a bare host name like smrel.example.com (no https://, port or path)"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "--version \"$version\" must look like 1.2.3"
[ ${#developer} -le 32 ] || die "--developer-name is longer than 32 characters"
website="${website:-https://$host/}"
privacy="${privacy:-$website}"
terms="${terms:-$website}"
for url in "$website" "$privacy" "$terms"; do
  [[ "$url" =~ ^https://[^[:space:]\"\\]+$ ]] || die "\"$url\" is not an https URL"
done

case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
[ -d "$(dirname "$out")" ] || die "the folder of --out does not exist: $(dirname "$out")"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

# Substitute with JSON escaping and re-parse, so a value can never break the JSON or leave a
# placeholder behind.
SMREL_VALUES="$(printf '%s\n' "TEAMS_APP_ID=$app_id" "BOT_HOST=$host" "APP_VERSION=$version" \
  "DEVELOPER_NAME=$developer" "WEBSITE_URL=$website" "PRIVACY_URL=$privacy" "TERMS_URL=$terms")" \
python3 - "$here/manifest.json" "$stage/manifest.json" <<'PY'
import json, os, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
values = dict(line.split("=", 1) for line in os.environ["SMREL_VALUES"].splitlines())
def value(match):
    if match.group(1) not in values:
        sys.exit(f"build-package: manifest.json has a placeholder this script does not fill: {match.group(0)}")
    return json.dumps(values[match.group(1)])[1:-1]
text = re.sub(r"\$\{\{([A-Za-z0-9_]+)\}\}", value, text)
manifest = json.loads(text)
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(manifest, f, indent=2, ensure_ascii=False)
    f.write("\n")
PY
cp "$here/color.png" "$here/outline.png" "$stage/"

if [ "$validate" -eq 1 ]; then
  node "$here/validate-manifest.cjs" "$stage/manifest.json"
fi

rm -f "$out"
if command -v zip >/dev/null; then
  (cd "$stage" && zip -q -X "$out" manifest.json color.png outline.png)
else
  (cd "$stage" && python3 -m zipfile -c "$out" manifest.json color.png outline.png)
fi
echo "wrote $out" >&2
