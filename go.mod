module github.com/fedavail/fedavail

go 1.25.0

require (
	github.com/beevik/etree v1.8.1
	github.com/google/go-cmp v0.7.0
	golang.org/x/net v0.58.0
)

require golang.org/x/text v0.41.0 // indirect
