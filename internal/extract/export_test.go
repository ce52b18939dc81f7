package extract

import "github.com/telegramate/telegramate/internal/store"

// SetAfterPage makes each page's transaction call fn before it commits.
func SetAfterPage(s *Service, fn func(e store.Extraction)) {
	s.afterPage = func(e store.Extraction) error { fn(e); return nil }
}

// SetPageCheck is SetAfterPage with a say: an error fails the save.
func SetPageCheck(s *Service, fn func(e store.Extraction) error) { s.afterPage = fn }

// MaxPagesPerSave is how many fetched pages one transaction may save.
const MaxPagesPerSave = maxPagesPerSave
