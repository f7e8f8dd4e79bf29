package broker

import (
	"time"

	"github.com/fedavail/fedavail"
)

var xmlLimits = fedavail.Limits{}

func timeNow() time.Time { return time.Now() }
