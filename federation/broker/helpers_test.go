package broker

import (
	"time"

	"github.com/fedavail/fedavail/internal/xmlguard"
)

var xmlLimits = xmlguard.Limits{}

func timeNow() time.Time { return time.Now() }
