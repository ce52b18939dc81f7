package sandbox

import (
	_ "embed"
	"fmt"
)

//go:embed worlds/demo.json
var demoJSON []byte

// DemoWorld is the world `telegramate demo` runs on (worlds/demo.json): a
// basic group, a supergroup of about 300, one of 25,000 (past Telegram's
// participant cap, so its extraction takes a while and ends with the cap
// notice), one with hidden members, a broadcast channel with subscribers,
// an account with 2FA (Bob, "secret") and accounts without. Each account
// with a phone has an API credential set of its own (Apps, in the order of
// the phones), since one set connects one account.
func DemoWorld() *World {
	w, err := ParseWorld(demoJSON)
	if err != nil {
		panic(fmt.Sprintf("embedded demo world: %v", err))
	}
	return w
}
