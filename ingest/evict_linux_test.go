package ingest

import (
	"os"

	"golang.org/x/sys/unix"
)

// evict asks the kernel to drop the file's pages from the page cache, so
// that the next read of it comes from the disk. It reports whether it could.
func evict(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if f.Sync() != nil {
		return false
	}
	return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED) == nil
}
