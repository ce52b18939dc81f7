package extract

import "github.com/telegramate/telegramate/internal/store"

// SetAfterPage makes each page's transaction call fn before it commits.
func SetAfterPage(s *Service, fn func(e store.Extraction)) { s.afterPage = fn }

// MaxPagesPerSave is how many fetched pages one transaction may save.
const MaxPagesPerSave = maxPagesPerSave
