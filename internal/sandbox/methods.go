package sandbox

import (
	"strings"
	"sync"

	"github.com/gotd/td/tg"
)

var (
	namesOnce sync.Once
	idToName  map[uint32]string
	nameToID  map[string]uint32
)

func loadNames() {
	namesOnce.Do(func() {
		idToName = map[uint32]string{}
		for id, n := range tg.TypesMap() {
			name, _, _ := strings.Cut(n, "#")
			idToName[id] = name
		}
		nameToID = tg.NamesMap()
	})
}

// methodName is the TL name of a request type ("messages.sendMessage").
func methodName(id uint32) string {
	loadNames()
	if n, ok := idToName[id]; ok {
		return n
	}
	return "unknown"
}

// methodTypeID is 0 for a name that is not a TL method.
func methodTypeID(name string) uint32 {
	loadNames()
	id, ok := nameToID[name]
	if !ok || !strings.Contains(name, ".") {
		return 0
	}
	// Constructors share the name space; methods are lowerCamel after the dot.
	_, m, _ := strings.Cut(name, ".")
	if m == "" || m[0] < 'a' || m[0] > 'z' {
		return 0
	}
	return id
}

// noAuthMethods work for a key that is not logged in, as on Telegram.
var noAuthMethods = map[string]bool{
	"help.getConfig":           true,
	"help.getNearestDc":        true,
	"help.getCdnConfig":        true,
	"help.getAppConfig":        true,
	"auth.sendCode":            true,
	"auth.resendCode":          true,
	"auth.cancelCode":          true,
	"auth.signIn":              true,
	"auth.checkPassword":       true,
	"auth.importAuthorization": true,
	"auth.logOut":              true,
	"account.getPassword":      true,
	"langpack.getLangPack":     true,
	"langpack.getStrings":      true,
	"langpack.getLanguages":    true,
}

// revokedAllowed are answered even for a revoked key: gotd sends
// help.getConfig inside initConnection on every connect and treats an error
// there as a dead connection, while Telegram answers it for any key.
var revokedAllowed = map[string]bool{
	"help.getConfig":    true,
	"help.getNearestDc": true,
}
