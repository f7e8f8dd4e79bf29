package pgstore

import (
	"context"
	"crypto/sha256"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fedavail/fedavail/federation/broker"
)

// Channel is the NOTIFY channel a write announces itself on; the payload is
// the application URI.
const Channel = "fedavail_broker"

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key held while migrating.
const migrationLock = 0x66656461 // "feda"

// purgeEvery is how often a Store deletes expired replay entries.
const purgeEvery = time.Minute

// Options configures a [Store]; the zero value is ready to use.
type Options struct {
	// Now is the clock for replay entries; nil means time.Now. Use the
	// broker's clock.
	Now func() time.Time
	// Logger gets a line when watching fails; nil discards.
	Logger *slog.Logger
}

// Store is a broker.Store, broker.Watcher, broker.Pinger and
// broker.ReplayCache on PostgreSQL. Create it with [New]; it is safe for
// concurrent use, and any number of processes may share one database.
type Store struct {
	pool      *pgxpool.Pool
	opts      Options
	lastPurge atomic.Int64 // unix nanoseconds
}

var (
	_ broker.Store       = (*Store)(nil)
	_ broker.Watcher     = (*Store)(nil)
	_ broker.Pinger      = (*Store)(nil)
	_ broker.ReplayCache = (*Store)(nil)
)

// New migrates the database behind pool and returns the store. The pool
// stays the caller's: close it after the last use of the store.
func New(ctx context.Context, pool *pgxpool.Pool, opts *Options) (*Store, error) {
	if pool == nil {
		return nil, errors.New("pgstore: a *pgxpool.Pool is required")
	}
	s := &Store{pool: pool}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Logger == nil {
		s.opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// migrate applies the migrations the database has not recorded, in order,
// in one transaction.
func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("pgstore: migrations: %w", err)
	}
	slices.Sort(names)
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return fmt.Errorf("pgstore: migrate: lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS fedavail_broker_schema (
			version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("pgstore: migrate: %w", err)
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM fedavail_broker_schema`).Scan(&have); err != nil {
			return fmt.Errorf("pgstore: migrate: %w", err)
		}
		for _, name := range names {
			n, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(name, "migrations/"), "_", 2)[0])
			if err != nil {
				return fmt.Errorf("pgstore: migration %s has no number", name)
			}
			if n <= have {
				continue
			}
			sql, _ := migrations.ReadFile(name)
			if _, err := tx.Exec(ctx, string(sql)); err != nil {
				return fmt.Errorf("pgstore: migrate %s: %w", name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO fedavail_broker_schema (version) VALUES ($1)`, n); err != nil {
				return fmt.Errorf("pgstore: migrate %s: %w", name, err)
			}
		}
		return nil
	})
}

const orgColumns = `application_uri, version, app_id, domains, current_certificate, next_certificate, reserved`

func scanOrg(row pgx.Row) (broker.Organization, error) {
	var o broker.Organization
	err := row.Scan(&o.ApplicationURI, &o.Version, &o.AppID, &o.Domains, &o.Current, &o.Next, &o.Reserved)
	if len(o.Reserved) == 0 {
		o.Reserved = nil // '[]' of rows from before migration 2
	}
	return o, err
}

// List returns every registration.
func (s *Store) List(ctx context.Context) ([]broker.Organization, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+orgColumns+` FROM fedavail_broker_organizations ORDER BY application_uri`)
	if err != nil {
		return nil, fmt.Errorf("pgstore: list: %w", err)
	}
	orgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (broker.Organization, error) { return scanOrg(r) })
	if err != nil {
		return nil, fmt.Errorf("pgstore: list: %w", err)
	}
	return orgs, nil
}

// Get returns one registration.
func (s *Store) Get(ctx context.Context, applicationURI string) (*broker.Organization, error) {
	o, err := scanOrg(s.pool.QueryRow(ctx, `SELECT `+orgColumns+` FROM fedavail_broker_organizations WHERE application_uri = $1`, applicationURI))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("pgstore: get %s: %w", applicationURI, broker.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("pgstore: get %s: %w", applicationURI, err)
	}
	return &o, nil
}

// Put writes org in one transaction if its version matches.
func (s *Store) Put(ctx context.Context, org broker.Organization) (int64, error) {
	if org.ApplicationURI == "" {
		return 0, fmt.Errorf("pgstore: put: %w: no application URI", broker.ErrInvalid)
	}
	domains := org.Domains
	if domains == nil {
		domains = []string{}
	}
	claimed := slices.Compact(slices.Sorted(slices.Values(domains)))
	reserved := org.Reserved
	if reserved == nil {
		reserved = []broker.Reservation{}
	}
	var version int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var row pgx.Row
		if org.Version == 0 {
			row = tx.QueryRow(ctx, `INSERT INTO fedavail_broker_organizations (`+orgColumns+`)
				VALUES ($1, 1, $2, $3, $4, $5, $6) ON CONFLICT (application_uri) DO NOTHING RETURNING version`,
				org.ApplicationURI, org.AppID, domains, org.Current, org.Next, reserved)
		} else {
			row = tx.QueryRow(ctx, `UPDATE fedavail_broker_organizations
				SET version = version + 1, app_id = $3, domains = $4, current_certificate = $5, next_certificate = $6, reserved = $7
				WHERE application_uri = $1 AND version = $2 RETURNING version`,
				org.ApplicationURI, org.Version, org.AppID, domains, org.Current, org.Next, reserved)
		}
		if err := row.Scan(&version); errors.Is(err, pgx.ErrNoRows) {
			return s.whyNot(ctx, tx, org.ApplicationURI, org.Version)
		} else if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM fedavail_broker_domains WHERE application_uri = $1 AND NOT (domain = ANY($2))`, org.ApplicationURI, domains); err != nil {
			return err
		}
		// A concurrent claim of the same domain waits for the other
		// transaction here and, if that one commits, inserts nothing.
		// Claims in one order, so two writers never wait for each other in a cycle.
		if _, err := tx.Exec(ctx, `INSERT INTO fedavail_broker_domains (domain, application_uri)
			SELECT d, $1 FROM unnest($2::text[]) AS d ORDER BY d ON CONFLICT (domain) DO NOTHING`, org.ApplicationURI, claimed); err != nil {
			return err
		}
		var owned int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM fedavail_broker_domains WHERE application_uri = $1`, org.ApplicationURI).Scan(&owned); err != nil {
			return err
		}
		if owned != len(claimed) {
			var taken string
			_ = tx.QueryRow(ctx, `SELECT domain FROM fedavail_broker_domains WHERE domain = ANY($2) AND application_uri <> $1 LIMIT 1`, org.ApplicationURI, domains).Scan(&taken)
			return fmt.Errorf("%w: %s", broker.ErrDomainTaken, taken)
		}
		_, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, Channel, org.ApplicationURI)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("pgstore: put %s: %w", org.ApplicationURI, err)
	}
	return version, nil
}

// whyNot names why a write matched no row: the registration exists (a
// create), has another version, or is gone.
func (s *Store) whyNot(ctx context.Context, tx pgx.Tx, uri string, version int64) error {
	var have int64
	err := tx.QueryRow(ctx, `SELECT version FROM fedavail_broker_organizations WHERE application_uri = $1`, uri).Scan(&have)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return broker.ErrNotFound
	case err != nil:
		return err
	case version == 0:
		return broker.ErrExists
	}
	return broker.ErrStale
}

// Delete removes a registration and its domains if its version matches.
func (s *Store) Delete(ctx context.Context, applicationURI string, version int64) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM fedavail_broker_organizations WHERE application_uri = $1 AND version = $2`, applicationURI, version)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			if err := s.whyNot(ctx, tx, applicationURI, version); !errors.Is(err, broker.ErrExists) {
				return err
			}
			return broker.ErrStale
		}
		_, err = tx.Exec(ctx, `SELECT pg_notify($1, $2)`, Channel, applicationURI)
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: delete %s: %w", applicationURI, err)
	}
	return nil
}

// Watch listens for writes by any process and calls changed once when it
// starts listening (for what happened before) and then once per
// notification, until ctx ends or the connection fails.
func (s *Store) Watch(ctx context.Context, changed func()) error {
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: watch: %w", err)
	}
	// The connection leaves the pool: it is in LISTEN mode for good.
	conn := c.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{Channel}.Sanitize()); err != nil {
		return fmt.Errorf("pgstore: watch: %w", err)
	}
	changed()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			s.opts.Logger.WarnContext(ctx, "pgstore: watching for changes failed", "err", err)
			return fmt.Errorf("pgstore: watch: %w", err)
		}
		changed()
	}
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("pgstore: ping: %w", err)
	}
	return nil
}

// Add is the replay cache shared by every process on the database: it
// records the hash of key until expires and reports whether it was new (or
// its earlier entry had expired).
func (s *Store) Add(ctx context.Context, key []byte, expires time.Time) (bool, error) {
	now := time.Now()
	if s.opts.Now != nil {
		now = s.opts.Now()
	}
	s.purge(ctx, now)
	sum := sha256.Sum256(key)
	var one int
	err := s.pool.QueryRow(ctx, `INSERT INTO fedavail_broker_replay (key, expires) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET expires = EXCLUDED.expires WHERE fedavail_broker_replay.expires <= $3
		RETURNING 1`, sum[:], expires, now).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("pgstore: replay: %w", err)
	}
	return true, nil
}

// purge deletes expired replay entries, at most once per purgeEvery per
// Store; a failure waits for the next turn (Add reports its own errors).
func (s *Store) purge(ctx context.Context, now time.Time) {
	last := s.lastPurge.Load()
	if now.UnixNano()-last < int64(purgeEvery) || !s.lastPurge.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	_, _ = s.pool.Exec(ctx, `DELETE FROM fedavail_broker_replay WHERE expires <= $1`, now)
}
