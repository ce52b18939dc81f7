package telegram

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"
)

// Config says which Telegram to talk to. The zero value is Telegram's
// production network with gotd's embedded public keys.
type Config struct {
	// DCs replaces the data center list: id → "host:port"
	// (--telegram-dc ID=HOST:PORT, repeatable). The client starts on the
	// lowest id; Telegram's *_MIGRATE errors move it to the others, so list
	// every DC the server may send users to.
	DCs map[int]string
	// PublicKeyFile is a PEM file of the servers' RSA keys
	// (--telegram-public-key). Required with DCs, since a private data
	// center has its own key.
	PublicKeyFile string
	// PublicKeyPEM is the same as PublicKeyFile, in memory (tests, demo).
	PublicKeyPEM []byte
	// TestServers selects Telegram's official test environment (its
	// addresses unless DCs is set, its DC numbering, initial DC 2).
	TestServers bool

	Logger *slog.Logger
	// AppVersion is reported to Telegram in initConnection.
	AppVersion string
	// NodeID names the node in initConnection's params, under the key
	// NodeParam, so a data center (the sandbox) can tell which node of
	// several spoke for an account; empty sends no params.
	NodeID string

	// DialTimeout bounds one TCP dial (default 10s).
	DialTimeout time.Duration
	// ConnectTimeout bounds how long a step keeps reconnecting before it
	// gives up with ErrUnavailable (default 30s).
	ConnectTimeout time.Duration
	// StepTimeout bounds one login or account step when the caller's
	// context has no deadline (default 60s). Run is not bounded.
	StepTimeout time.Duration
	// OtherDCIdle is how long a connection to another data center (for a
	// file kept there) stays after its last use (default 20s).
	OtherDCIdle time.Duration
}

// ParseDC parses one --telegram-dc value, "ID=HOST:PORT".
func ParseDC(s string) (id int, addr string, err error) {
	idText, addr, ok := strings.Cut(strings.TrimSpace(s), "=")
	if !ok {
		return 0, "", fmt.Errorf("telegram DC %q: want ID=HOST:PORT", s)
	}
	id, err = strconv.Atoi(idText)
	if err != nil || id <= 0 {
		return 0, "", fmt.Errorf("telegram DC %q: id must be a positive integer", s)
	}
	if _, _, err := splitHostPort(addr); err != nil {
		return 0, "", fmt.Errorf("telegram DC %q: %w", s, err)
	}
	return id, addr, nil
}

// ParseDCs parses repeated --telegram-dc values; an id given twice is an error.
func ParseDCs(values []string) (map[int]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	out := make(map[int]string, len(values))
	for _, v := range values {
		id, addr, err := ParseDC(v)
		if err != nil {
			return nil, err
		}
		if _, dup := out[id]; dup {
			return nil, fmt.Errorf("telegram DC %d given twice", id)
		}
		out[id] = addr
	}
	return out, nil
}

func splitHostPort(addr string) (string, int, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("address %q: want HOST:PORT", addr)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("address %q: bad port", addr)
	}
	if ip := net.ParseIP(host); ip == nil {
		// gotd dials DCOption.IPAddress as given; a name would work for
		// net.Dial but Telegram's DC options are always IPs, so we keep to
		// that and resolve once here.
		ips, err := net.LookupIP(host)
		if err != nil || len(ips) == 0 {
			return "", 0, fmt.Errorf("address %q: cannot resolve host", addr)
		}
		host = ips[0].String()
	}
	return host, port, nil
}

// network is what New derives from Config for every client it builds.
type network struct {
	list       dcs.List
	dc         int
	publicKeys []telegram.PublicKey
}

func (c Config) network() (network, error) {
	var n network
	pem := c.PublicKeyPEM
	if c.PublicKeyFile != "" {
		b, err := os.ReadFile(c.PublicKeyFile)
		if err != nil {
			return n, fmt.Errorf("telegram public key: %w", err)
		}
		pem = b
	}
	if len(pem) > 0 {
		keys, err := crypto.ParseRSAPublicKeys(pem)
		if err != nil {
			return n, fmt.Errorf("telegram public key: %w", err)
		}
		if len(keys) == 0 {
			return n, errors.New("telegram public key: no PEM-encoded RSA public key found")
		}
		for _, k := range keys {
			n.publicKeys = append(n.publicKeys, telegram.PublicKey{RSA: k})
		}
	}

	switch {
	case len(c.DCs) > 0:
		if n.publicKeys == nil {
			return n, errors.New("telegram: --telegram-dc needs --telegram-public-key (the data center's RSA key)")
		}
		ids := make([]int, 0, len(c.DCs))
		for id := range c.DCs {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			host, port, err := splitHostPort(c.DCs[id])
			if err != nil {
				return n, fmt.Errorf("telegram DC %d: %w", id, err)
			}
			n.list.Options = append(n.list.Options, tg.DCOption{
				ID:        id,
				IPAddress: host,
				Port:      port,
				Ipv6:      strings.Contains(host, ":"),
			})
		}
		n.list.Test = c.TestServers
		n.dc = ids[0]
	case c.TestServers:
		n.list = dcs.Test()
		n.dc = 2
	default:
		n.list = dcs.Prod()
		n.dc = 2
	}
	return n, nil
}

func (n network) has(dc int) bool {
	return slices.ContainsFunc(n.list.Options, func(o tg.DCOption) bool { return o.ID == dc })
}
