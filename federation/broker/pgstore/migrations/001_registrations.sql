-- Registrations: one row per organization with its version (compare and set),
-- and one row per federated domain so that a domain has one owner.
CREATE TABLE fedavail_broker_organizations (
	application_uri     text PRIMARY KEY,
	version             bigint NOT NULL CHECK (version > 0),
	app_id              text NOT NULL,
	domains             text[] NOT NULL,
	current_certificate bytea NOT NULL,
	next_certificate    bytea
);

CREATE TABLE fedavail_broker_domains (
	domain          text PRIMARY KEY,
	application_uri text NOT NULL REFERENCES fedavail_broker_organizations (application_uri) ON DELETE CASCADE
);
CREATE INDEX fedavail_broker_domains_owner ON fedavail_broker_domains (application_uri);

-- Signature values (SHA-256) of answered signed requests, until they expire.
CREATE TABLE fedavail_broker_replay (
	key     bytea PRIMARY KEY,
	expires timestamptz NOT NULL
);
CREATE INDEX fedavail_broker_replay_expires ON fedavail_broker_replay (expires);
