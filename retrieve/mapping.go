package retrieve

import (
	"github.com/blevesearch/bleve/v2/analysis"
	_ "github.com/blevesearch/bleve/v2/analysis/analyzer/custom" // the "custom" analyzer type
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
)

// Field names of an indexed note. The note id is the document id.
const (
	fieldPatient = "patient_id"
	fieldDate    = "note_date"
	fieldType    = "note_type"
	fieldTitle   = "note_title"
	fieldText    = "text" // analysed, lower-cased, stored, with term vectors
	fieldAbbr    = "abbr" // the text again, case kept, only tokens with a capital
	fieldHash    = "hash" // digest of the text, stored only, to spot re-ingested notes
)

// Analyzer and token filter names registered with bleve.
const (
	analyzerText     = "phenorag_text"
	analyzerAbbr     = "phenorag_abbr"
	filterCapitalled = "phenorag_capitalled"
)

func init() {
	// The registry panics on a duplicate name only through its own helpers;
	// a failure here means another package took the name.
	if err := registry.RegisterTokenFilter(filterCapitalled, newCapitalledFilter); err != nil {
		panic(err)
	}
}

// capitalledFilter keeps only tokens that contain an upper-case letter and
// are short enough to be an abbreviation. It keeps the case-sensitive field
// small: most words of a note are lower case and are never searched there.
type capitalledFilter struct{}

func newCapitalledFilter(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
	return capitalledFilter{}, nil
}

// maxAbbrLen is the longest token kept in the case-sensitive field.
const maxAbbrLen = 12

func (capitalledFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	out := in[:0]
	for _, tok := range in {
		if len(tok.Term) <= maxAbbrLen && hasUpper(tok.Term) {
			out = append(out, tok)
		}
	}
	return out
}

// hasUpper reports whether b holds an ASCII capital; abbreviations searched
// case-sensitively are ASCII.
func hasUpper(b []byte) bool {
	for _, c := range b {
		if c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

// newMapping returns the static mapping of a note index. Only what later
// stages read back is stored: the text (for exact offsets), the patient,
// date, type and title, and the text digest.
func newMapping() (*mapping.IndexMappingImpl, error) {
	im := mapping.NewIndexMapping()
	err := im.AddCustomAnalyzer(analyzerText, map[string]any{
		"type":          "custom",
		"tokenizer":     unicode.Name,
		"token_filters": []any{lowercase.Name},
	})
	if err != nil {
		return nil, err
	}
	err = im.AddCustomAnalyzer(analyzerAbbr, map[string]any{
		"type":          "custom",
		"tokenizer":     unicode.Name,
		"token_filters": []any{filterCapitalled},
	})
	if err != nil {
		return nil, err
	}

	doc := mapping.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(fieldPatient, keyword(true))
	doc.AddFieldMappingsAt(fieldType, keyword(true))
	doc.AddFieldMappingsAt(fieldTitle, stored())
	doc.AddFieldMappingsAt(fieldHash, stored())
	date := mapping.NewDateTimeFieldMapping()
	date.DocValues, date.IncludeInAll = false, false
	doc.AddFieldMappingsAt(fieldDate, date)
	doc.AddFieldMappingsAt(fieldText, text(analyzerText, true))
	doc.AddFieldMappingsAt(fieldAbbr, text(analyzerAbbr, false))

	im.DefaultMapping = doc
	im.DefaultAnalyzer = analyzerText
	im.StoreDynamic, im.IndexDynamic, im.DocValuesDynamic = false, false, false
	return im, nil
}

func keyword(store bool) *mapping.FieldMapping {
	f := mapping.NewKeywordFieldMapping()
	f.Store = store
	f.IncludeTermVectors, f.IncludeInAll, f.DocValues = false, false, false
	return f
}

func stored() *mapping.FieldMapping {
	f := mapping.NewTextFieldMapping()
	f.Index, f.Store = false, true
	f.IncludeTermVectors, f.IncludeInAll, f.DocValues = false, false, false
	return f
}

func text(analyzer string, store bool) *mapping.FieldMapping {
	f := mapping.NewTextFieldMapping()
	f.Analyzer = analyzer
	f.Store = store
	f.IncludeTermVectors = true
	f.IncludeInAll, f.DocValues = false, false
	return f
}
