-- Distribute infocap on Citus. Generated from schema/distribution.py
-- (schema.distribution.citus_script); docs/scaling.md explains every step.
-- Run once on the coordinator, as the owner, after `infocap migrate`.
BEGIN;
SET LOCAL citus.shard_count = 32;
-- The change capture and the append-only guards are row triggers on client-owned
-- tables; the capture writes the same client's row of the colocated outbox.
SET LOCAL citus.enable_unsafe_triggers = on;

-- The change feed's global order is kept per client once distributed; the
-- sequencer, one writer under a lock, keeps it global.
ALTER TABLE changes DROP CONSTRAINT uq_changes_appended,
  ADD CONSTRAINT uq_changes_appended_per_client UNIQUE (client_id, appended);
ALTER TABLE changes DROP CONSTRAINT uq_changes_position,
  ADD CONSTRAINT uq_changes_position_per_client UNIQUE (client_id, position);

-- Reference tables: a copy on every node.
SELECT create_reference_table('blobs');
SELECT create_reference_table('organisations');
SELECT create_reference_table('policy_changes');

-- Client-owned tables: sharded by the client, all colocated with clients.
SELECT create_distributed_table('clients', 'id');
SELECT create_distributed_table('client_digital_profiles', 'client_id', colocate_with => 'clients');
SELECT create_distributed_table('contact_persons', 'client_id', colocate_with => 'clients');
SELECT create_distributed_table('client_relationships', 'client_id', colocate_with => 'clients');
SELECT create_distributed_table('client_fact_changes', 'client_id', colocate_with => 'clients');
SELECT create_distributed_table('guardianships', 'ward_id', colocate_with => 'clients');
SELECT create_distributed_table('applications', 'client_id', colocate_with => 'clients');
SELECT create_distributed_table('information_requests', 'client_id', colocate_with => 'clients');
SELECT create_distributed_table('plan_versions', 'client_id', colocate_with => 'clients');
SELECT create_distributed_table('notices', 'client_id', colocate_with => 'clients');
SELECT create_distributed_table('notice_moves', 'client_id', colocate_with => 'clients');
SELECT create_distributed_table('decisions', 'client_id', colocate_with => 'clients');
SELECT create_distributed_table('decision_calculation_rows', 'client_id', colocate_with => 'clients');
SELECT create_distributed_table('payment_commitments', 'client_id', colocate_with => 'clients');
SELECT create_distributed_table('attachments', 'client_id', colocate_with => 'clients');
SELECT create_distributed_table('decision_attachments', 'client_id', colocate_with => 'clients');
SELECT create_distributed_table('notice_attachments', 'client_id', colocate_with => 'clients');
SELECT create_distributed_table('consent_events', 'client_id', colocate_with => 'clients');
SELECT create_distributed_table('consent_rules', 'client_id', colocate_with => 'clients');
SELECT create_distributed_table('ledger_heads', 'client_id', colocate_with => 'clients');
SELECT create_distributed_table('access_log', 'client_id', colocate_with => 'clients');
SELECT create_distributed_table('changes', 'client_id', colocate_with => 'clients');

-- Index tables: sharded by their own key, each a colocation group of its own.
SELECT create_distributed_table('personal_id_index', 'lookup', colocate_with => 'none');
SELECT create_distributed_table('idempotency_keys', 'external_id', colocate_with => 'none');

-- Single-node tables (alembic_version, change_sequencer, ledger_checkpoints, ledger_cosignatures, ledger_integrator, ledger_log, ledger_log_nodes)
-- stay on the coordinator, written by their one global writer.
COMMIT;
