// Package retrieve keeps clinical notes in an on-disk bleve index and cuts,
// for each patient, the few windows of note text that bear on a phenotype.
//
// An Index holds every note once, keyed by note id, together with a manifest
// of the files it was built from and a side table of per-patient note counts.
// A Retriever asks the index for the notes that name the disease, cuts
// windows around the hits, checks them with exact Go matchers (phrases across
// line breaks, case-sensitive abbreviations, measurements with units, false
// friends), tags each mention with its ConText attributes, merges overlapping
// and copied-forward windows, scores them and keeps the top k per patient.
//
// A Cutter does the same work on notes in memory, without an index (Cutter.Patient
// matches every note in full); the index must agree with it, and is measured
// against it in BenchmarkIndexVsScan. The Matcher walks each text's words
// once and runs only the patterns that can start at a word, which agrees
// with running every pattern over the whole text and is about 50 times
// faster.
//
// Offsets everywhere are byte offsets into the note text as ingested; a
// snippet's Text is always the note's Text[Start:End]. No note text is
// logged or sent anywhere by this package.
package retrieve
