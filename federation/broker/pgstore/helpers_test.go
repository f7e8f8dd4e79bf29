package pgstore_test

import "github.com/fedavail/fedavail"

var xmlLimits = fedavail.Limits{}
