#!/bin/sh
# Regenerates, from MITRE's own ATT&CK repository github.com/mitre/cti
# (STIX 2.1, one object per file):
#   internal/bulletin/attack/data/enterprise-techniques.json  (techniques)
#   internal/incidents/actors/data/intrusion-sets.json        (threat groups)
#
# Usage (from the repository root):
#   sh scripts/attack/update.sh                 # clones github.com/mitre/cti
#   sh scripts/attack/update.sh /path/to/cti    # a clone, or a bare git directory
#
# The ATT&CK release is read from the commit subject MITRE writes
# ("ATT&CK v18.1 Enterprise"); set ATTACK_VERSION to override it.
set -eu

cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

src=${1:-}
if [ -z "$src" ]; then
	git clone --quiet --depth 1 --filter=blob:none --no-checkout https://github.com/mitre/cti "$tmp/cti.git"
	src="$tmp/cti.git"
fi
if [ -d "$src/.git" ]; then
	gitdir="$src/.git"
else
	gitdir="$src"
fi
commit=$(git --git-dir="$gitdir" rev-parse HEAD)
subject=$(git --git-dir="$gitdir" log -1 --format=%s -- enterprise-attack 2>/dev/null)
version=${ATTACK_VERSION:-$(echo "$subject" | sed -n 's/.*ATT&CK v\([0-9][0-9.]*\).*/\1/p')}
if [ -z "$version" ]; then
	echo "cannot tell the ATT&CK release from \"$subject\"; set ATTACK_VERSION" >&2
	exit 1
fi

mkdir "$tmp/tree"
git --git-dir="$gitdir" archive "$commit" \
	enterprise-attack/attack-pattern enterprise-attack/x-mitre-tactic enterprise-attack/intrusion-set |
	tar -x -C "$tmp/tree"

go run ./scripts/attack -cti "$tmp/tree" -attack-version "$version" -commit "$commit" \
	-out internal/bulletin/attack/data/enterprise-techniques.json \
	-groups-out internal/incidents/actors/data/intrusion-sets.json
