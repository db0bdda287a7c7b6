#!/usr/bin/env bash
# check-parquet.sh opens Parquet files written by phenorag with DuckDB (the
# @duckdb/node-api npm package, installed once into a cache folder outside
# the repository) and prints each file's columns, types and rows. With no
# argument it checks a sample diagnoses.parquet written by the diagnose
# package's tests; given a .jsonl file of diagnoses (such as rules.jsonl), it
# first writes them as Parquet with the same code. It skips, successfully,
# when node or npm is missing.
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
if [ ! -d "$cache/node_modules/@duckdb/node-api" ]; then
	mkdir -p "$cache"
	(cd "$cache" && npm init -y >/dev/null && npm install --no-audit --no-fund @duckdb/node-api >&2)
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
'
done
