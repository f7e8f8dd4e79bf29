package pgstore_test

import (
	"context"
	"log"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/federation/broker/pgstore"
	"github.com/fedavail/fedavail/federation/keyring"
)

// A broker replica on a shared PostgreSQL database: registrations and the
// replay cache in the database, Run following the other replicas' writes.
// (Not run: it needs a database.)
func ExampleNew() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres://broker@db.example.org/broker")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	store, err := pgstore.New(ctx, pool, nil)
	if err != nil {
		log.Fatal(err)
	}
	var keys *keyring.Ring // the broker's signing keys
	var domains broker.DomainVerifier
	b, err := broker.New(ctx, broker.Config{
		URI: "urn:federation:example", BaseURL: "https://sts.example.org",
		Keys: keys, Domains: domains,
		Store: store, Replay: store,
	})
	if err != nil {
		log.Fatal(err)
	}
	go b.Run(ctx)
}
