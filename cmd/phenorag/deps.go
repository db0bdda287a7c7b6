package main

// These imports pin the module's dependencies in go.mod while the stages
// that use them are built; remove each once a stage imports it for real.
import (
	_ "github.com/apache/arrow/go/v17/parquet/pqarrow"
	_ "github.com/blevesearch/bleve/v2"
	_ "github.com/goccy/go-yaml"
	_ "github.com/ollama/ollama/api"
	_ "github.com/schollz/progressbar/v3"
	_ "go.etcd.io/bbolt"
	_ "golang.org/x/sync/errgroup"
)
