package pgstore_test

import "github.com/fedavail/fedavail/internal/xmlguard"

var xmlLimits = xmlguard.Limits{}
