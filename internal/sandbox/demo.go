package sandbox

import (
	_ "embed"
	"fmt"
)

//go:embed worlds/demo.json
var demoJSON []byte

// DemoWorld is the world `telegramate demo` runs on (examples/worlds/demo.json):
// a basic group, a supergroup of about 300, one with hidden members, a
// broadcast channel with subscribers, an account with 2FA (Bob, "secret")
// and accounts without.
func DemoWorld() *World {
	w, err := ParseWorld(demoJSON)
	if err != nil {
		panic(fmt.Sprintf("embedded demo world: %v", err))
	}
	return w
}
