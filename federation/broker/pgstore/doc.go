// Package pgstore keeps a trust broker's registrations and replay cache in
// PostgreSQL, so that several broker processes (replicas behind a load
// balancer) share one truth.
//
// # Flow
//
// [New] takes the caller's *pgxpool.Pool (it never opens connections of its
// own) and applies the embedded schema migrations (migrations/*.sql) that
// the database has not seen, in one transaction under an advisory lock, so
// replicas starting together migrate once. The [Store] then serves
// broker.Config's Store and Replay:
//
//   - Every registration write is one transaction: the organization's row is
//     inserted (version 1) or updated only where its version is the one the
//     writer read (compare and set; otherwise broker.ErrStale), and its
//     domains are claimed in a table whose primary key is the domain, so of
//     two organizations claiming one domain at once exactly one commits and
//     the other gets broker.ErrDomainTaken. The transaction ends with a
//     NOTIFY on the channel [Channel].
//   - [Store.Watch] LISTENs on that channel on a connection of its own;
//     broker.Broker.Run reloads its view on every notification, so replicas
//     see each other's changes within moments, and polls as well in case a
//     notification is lost with a connection.
//   - [Store.Add] is the replay cache: an insert of the request's signature
//     hash that succeeds only if the hash is new or its entry has expired,
//     so a request answered by one replica is refused by all. Expired
//     entries are deleted at most once a minute by each Store.
//
// # Errors
//
// Errors read "pgstore: <operation>: ..." and wrap the broker's sentinels
// (broker.ErrNotFound, ErrExists, ErrStale, ErrDomainTaken) or pgx's error,
// so errors.Is and errors.As see both. Nothing is logged but failures of the
// watch; certificates and signatures never are.
package pgstore
