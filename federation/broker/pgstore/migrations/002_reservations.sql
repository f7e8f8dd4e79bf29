-- Domains reserved through ManageDelegation2 (broker.Organization.Reserved),
-- as JSON: read and written with the registration, under its version.
ALTER TABLE fedavail_broker_organizations ADD COLUMN reserved jsonb NOT NULL DEFAULT '[]';
