package sandbox

import (
	"context"
	"net"
	"strconv"

	"github.com/gotd/td/tg"
)

func (s *Server) registerConfig(d *tg.ServerDispatcher) {
	d.OnHelpGetConfig(func(ctx context.Context) (*tg.Config, error) {
		return s.config(callerFrom(ctx).ref.DC), nil
	})
	d.OnHelpGetNearestDC(func(ctx context.Context) (*tg.NearestDC, error) {
		dc := callerFrom(ctx).ref.DC
		return &tg.NearestDC{Country: "ZZ", ThisDC: dc, NearestDC: dc}, nil
	})
}

// config is help.getConfig: the data center list points at the sandbox's own
// listeners, so a client that follows it stays on loopback.
func (s *Server) config(thisDC int) *tg.Config {
	now := s.now()
	cfg := &tg.Config{
		Date:                    int(now.Unix()),
		Expires:                 int(now.Unix()) + 3600,
		TestMode:                false,
		ThisDC:                  thisDC,
		ChatSizeMax:             basicGroupMax,
		MegagroupSizeMax:        200000,
		ForwardedCountMax:       100,
		OnlineUpdatePeriodMs:    210000,
		OfflineBlurTimeoutMs:    5000,
		OfflineIdleTimeoutMs:    30000,
		OnlineCloudTimeoutMs:    300000,
		NotifyCloudDelayMs:      30000,
		NotifyDefaultDelayMs:    1500,
		PushChatPeriodMs:        60000,
		PushChatLimit:           2,
		EditTimeLimit:           172800,
		RevokeTimeLimit:         2147483647,
		RevokePmTimeLimit:       2147483647,
		RatingEDecay:            2419200,
		StickersRecentLimit:     200,
		ChannelsReadMediaPeriod: 604800,
		CallReceiveTimeoutMs:    20000,
		CallRingTimeoutMs:       90000,
		CallConnectTimeoutMs:    30000,
		CallPacketTimeoutMs:     10000,
		MeURLPrefix:             "https://t.me/",
		CaptionLengthMax:        1024,
		MessageLengthMax:        maxMessageLength,
		WebfileDCID:             thisDC,
	}
	for _, id := range s.dcIDs() {
		host, port, _ := net.SplitHostPort(s.dcs[id].addr)
		p, _ := strconv.Atoi(port)
		cfg.DCOptions = append(cfg.DCOptions, tg.DCOption{ID: id, IPAddress: host, Port: p, Static: true})
	}
	return cfg
}
