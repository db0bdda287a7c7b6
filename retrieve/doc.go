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
// Scan does the same work on notes in memory without an index; it is the
// baseline the index is measured against, and the fallback for small inputs.
package retrieve
