#!/usr/bin/env bash
# check-parquet.sh opens Parquet files written by phenorag with DuckDB (the
# @duckdb/node-api npm package, installed once into a cache folder outside
# the repository) and prints each file's columns, types and rows. With no
# argument it checks a sample diagnoses.parquet written by the diagnose
# package's tests; given a .jsonl file of diagnoses (such as rules.jsonl), it
# first writes them as Parquet with the same code. A diagnoses.parquet with
# a diagnoses.jsonl beside it must hold the same patients, labels, statuses
# and evidence quotes, or the script fails. It skips, successfully, when
# node or npm is missing.
#
#   scripts/check-parquet.sh [FILE.parquet|FILE.jsonl ...]
#
# PHENORAG_DUCKDB_DIR sets the cache folder (default ~/.cache/phenorag-duckdb).
set -euo pipefail

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "check-parquet: node or npm not found; skipped" >&2
	exit 0
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${PHENORAG_DUCKDB_DIR:-$HOME/.cache/phenorag-duckdb}
duckdb=1.5.6-r.1 # the @duckdb/node-api release, pinned
if [ ! -d "$cache/node_modules/@duckdb/node-api" ] ||
	! grep -q "\"version\": \"$duckdb\"" "$cache/node_modules/@duckdb/node-api/package.json"; then
	mkdir -p "$cache"
	[ -f "$cache/package.json" ] || (cd "$cache" && npm init -y >/dev/null)
	for try in 1 2 3; do
		if (cd "$cache" && npm install --no-audit --no-fund "@duckdb/node-api@$duckdb" >&2); then
			break
		fi
		if [ "$try" = 3 ]; then
			echo "check-parquet: npm could not install @duckdb/node-api@$duckdb" >&2
			exit 1
		fi
		sleep 5
	done
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# sample writes diagnoses (the built-in sample, or those of a .jsonl file)
# as Parquet into a fresh folder and prints the file's path.
sample() {
	local out=$scratch/$RANDOM
	mkdir -p "$out"
	(cd "$repo" && PHENORAG_SAMPLE_DIR="$out" PHENORAG_SAMPLE_FROM="${1:-}" \
		go test -count=1 -run '^TestWriteSampleRun$' ./diagnose/ >&2)
	echo "$out/diagnoses.parquet"
}

files=()
if [ $# -eq 0 ]; then
	files=("$(sample)")
fi
for f in "$@"; do
	case $f in
	*.jsonl) files+=("$(sample "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")") ;;
	*) files+=("$f") ;;
	esac
done

for f in "${files[@]}"; do
	abs=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
	NODE_PATH="$cache/node_modules" PARQUET="$abs" node --input-type=module -e '
import { createRequire } from "node:module";
const require = createRequire(process.env.NODE_PATH + "/");
const { DuckDBInstance } = require("@duckdb/node-api");
const file = process.env.PARQUET;
const db = await DuckDBInstance.create(":memory:");
const con = await db.connect();
const q = "SELECT * FROM read_parquet(\x27" + file.replaceAll("\x27", "\x27\x27") + "\x27)";
const r = await con.runAndReadAll(q);
const names = r.columnNames(), types = r.columnTypes();
console.log(file + ": " + r.currentRowCount + " rows");
names.forEach((n, i) => console.log("  " + n + " " + types[i].toString()));
const rows = r.getRowObjectsJson();
if (rows.length > 0) console.log("  first row: " + JSON.stringify(rows[0]));
const u = await con.runAndReadAll("SELECT count(*) AS n, sum(len(evidence)) AS ev FROM (" + q + ")");
console.log("  unnest check: " + JSON.stringify(u.getRowObjectsJson()[0]));

// Beside a diagnoses.jsonl written with it, every row must say the same.
const fs = await import("node:fs");
const jsonl = file.replace(/\.parquet$/, ".jsonl");
if (file.endsWith("diagnoses.parquet") && fs.existsSync(jsonl)) {
  const key = (id, label, status, quotes) => [id, label, status, ...quotes].join("\u0000");
  const want = fs.readFileSync(jsonl, "utf8").split("\n").filter(Boolean).map((l) => {
    const d = JSON.parse(l);
    return key(d.patient_id, d.label ?? "", d.status, (d.evidence ?? []).map((e) => e.quote));
  }).sort();
  const got = (await con.runAndReadAll("SELECT patient_id, coalesce(label, \x27\x27) AS label, " +
    "status, [e.quote FOR e IN evidence] AS quotes FROM (" + q + ")")).getRowObjectsJson()
    .map((r) => key(r.patient_id, r.label, r.status, r.quotes)).sort();
  const same = got.length === want.length && got.every((g, i) => g === want[i]);
  console.log("  against " + jsonl + ": " + (same ? "the same " + got.length + " rows" : "DIFFERENT"));
  if (!same) process.exit(1);
}
'
done
