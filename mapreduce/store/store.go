// Package store keeps LLM answers in an embedded, crash-safe bbolt file, so
// that a run interrupted at any point resumes without asking the model again
// for an answer it already gave.
//
// An answer is stored under a key that hashes everything that determined it:
// the model digest, the prompt templates, the options, the answer schema and
// the exact text sent. Changing any of them asks the model afresh.
package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

var bucket = []byte("answers")

// Entry is one stored answer: the model's raw reply and what it cost.
type Entry struct {
	Content      string `json:"content"`
	PromptTokens int    `json:"prompt_tokens"`
	OutputTokens int    `json:"output_tokens"`
	// TooLong records that the model refused the prompt as longer than its
	// context, so that a rerun splits it at once instead of asking again.
	TooLong bool `json:"too_long,omitempty"`
}

// Store is an answer store backed by one bbolt file. Its methods may be
// called from several goroutines.
type Store struct {
	db *bolt.DB
}

// ErrLocked is returned by Open when another process holds the file.
var ErrLocked = errors.New("answer store is in use by another process")

// Open opens or creates the store at path. It fails with ErrLocked rather
// than wait when another process has the file open.
func Open(path string) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open answer store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open answer store %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Get returns the entry stored under key; ok is false when there is none.
func (s *Store) Get(key string) (e Entry, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucket).Get([]byte(key))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &e)
	})
	if err != nil {
		return Entry{}, false, fmt.Errorf("answer store: read %s: %w", key, err)
	}
	return e, ok, nil
}

// Put stores e under key. It returns once the entry is on disk; concurrent
// calls are committed together in one transaction.
func (s *Store) Put(key string, e Entry) error {
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("answer store: encode %s: %w", key, err)
	}
	err = s.db.Batch(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).Put([]byte(key), v)
	})
	if err != nil {
		return fmt.Errorf("answer store: write %s: %w", key, err)
	}
	return nil
}

// Len returns the number of stored entries.
func (s *Store) Len() (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucket).Stats().KeyN
		return nil
	})
	return n, err
}

// Key derives a store key from the parts that determine an answer. Each part
// is length-prefixed before hashing, so no two different lists of parts
// share a key.
func Key(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}
