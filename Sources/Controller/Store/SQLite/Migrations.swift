import Foundation
import GRDB

/// The database schema, as ordered migrations run at start. A migration that fails stops the
/// controller (see ``Store/init(path:)``).
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "servers") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique(onConflict: .abort)
                t.column("hostname", .text).notNull()
                t.column("ssh_port", .integer).notNull().defaults(to: 22)
                t.column("ssh_user", .text).notNull().defaults(to: "root")
                t.column("is_local", .boolean).notNull().defaults(to: false)
                t.column("status", .text).notNull()
                t.column("desired_revision", .integer).notNull().defaults(to: 1)
                t.column("applied_revision", .integer).notNull().defaults(to: 0)
                t.column("caddy_version", .text)
                t.column("caddy_modules", .text)
                t.column("last_seen", .datetime)
                t.column("last_error", .text)
                t.column("agent_token_hash", .text)
                t.column("created_on", .datetime).notNull()
                t.column("modified_on", .datetime).notNull()
            }
            try db.create(table: "users") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("email", .text).notNull().unique(onConflict: .abort).collate(.nocase)
                t.column("name", .text).notNull()
                t.column("password_hash", .text).notNull()
                t.column("role", .text).notNull()
                t.column("active", .boolean).notNull().defaults(to: true)
                t.column("created_on", .datetime).notNull()
                t.column("modified_on", .datetime).notNull()
            }
            try db.create(table: "sessions") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("user_id", .integer).notNull().indexed().references("users", onDelete: .cascade)
                t.column("access_hash", .text).notNull().unique()
                t.column("access_expires", .datetime).notNull()
                t.column("refresh_hash", .text).notNull().unique()
                t.column("refresh_expires", .datetime).notNull()
                t.column("created_on", .datetime).notNull()
            }
            try db.create(table: "api_tokens") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("user_id", .integer).notNull().indexed().references("users", onDelete: .cascade)
                t.column("name", .text).notNull()
                t.column("token_hash", .text).notNull().unique()
                t.column("created_on", .datetime).notNull()
                t.column("last_used_on", .datetime)
            }
            try db.create(table: "resources") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("type", .text).notNull()
                t.column("server_id", .integer).notNull().references("servers")
                t.column("owner_user_id", .integer)
                t.column("enabled", .boolean).notNull()
                t.column("data", .text).notNull()
                t.column("search", .text).notNull()
                t.column("apply_status", .text).notNull().defaults(to: "pending")
                t.column("apply_message", .text)
                t.column("created_on", .datetime).notNull()
                t.column("modified_on", .datetime).notNull()
            }
            try db.create(index: "resources_by_type_server", on: "resources", columns: ["type", "server_id", "id"])
            // What an enabled resource holds exclusively on its server: a domain, a port.
            try db.create(table: "resource_claims") { t in
                t.column("resource_id", .integer).notNull().indexed().references("resources", onDelete: .cascade)
                t.column("server_id", .integer).notNull()
                t.column("claim", .text).notNull()
                t.uniqueKey(["server_id", "claim"])
            }
            try db.create(table: "audit_log") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("created_on", .datetime).notNull().indexed()
                t.column("user_id", .integer)
                t.column("user_email", .text)
                t.column("action", .text).notNull()
                t.column("resource_type", .text).notNull()
                t.column("resource_id", .integer)
                t.column("details", .text).notNull()
                t.column("client_ip", .text)
                t.column("server_id", .integer)
            }
            try db.create(table: "settings") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
            let now = Date()
            try db.execute(
                sql: """
                    INSERT INTO servers (name, hostname, is_local, status, created_on, modified_on)
                    VALUES ('local', 'localhost', 1, 'online', ?, ?)
                    """, arguments: [now, now])
        }
        migrator.registerMigration("v2: list resources by type in id order") { db in
            try db.create(index: "resources_by_type", on: "resources", columns: ["type", "id"])
        }
        migrator.registerMigration("v3: agents report their version, applied hash and upstream health") { db in
            try db.alter(table: "servers") { t in
                t.add(column: "applied_hash", .text)
                t.add(column: "agent_version", .text)
                t.add(column: "upstream_health", .text)
            }
        }
        migrator.registerMigration("v4: provisioning runs, pinned host keys and kept SSH credentials") { db in
            try db.alter(table: "servers") { t in
                t.add(column: "ssh_host_key", .text)
                t.add(column: "ssh_credentials", .text)
            }
            try db.create(table: "provisioning_runs") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("server_id", .integer).notNull().indexed().references("servers", onDelete: .cascade)
                t.column("kind", .text).notNull()
                t.column("status", .text).notNull()
                t.column("started_on", .datetime).notNull()
                t.column("finished_on", .datetime)
                t.column("log", .text).notNull()
            }
        }
        migrator.registerMigration("v5: sessions say where they were started and last refreshed from") { db in
            try db.alter(table: "sessions") { t in
                t.add(column: "refreshed_on", .datetime)
                t.add(column: "client_ip", .text)
                t.add(column: "user_agent", .text)
            }
        }
        migrator.registerMigration("v6: two-factor login with TOTP and one-time backup codes") { db in
            try db.alter(table: "users") { t in
                t.add(column: "totp_secret", .text)
                t.add(column: "totp_enabled", .boolean).notNull().defaults(to: false)
                t.add(column: "totp_last_step", .integer)
            }
            try db.create(table: "backup_codes") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("user_id", .integer).notNull().indexed().references("users", onDelete: .cascade)
                t.column("code_hash", .text).notNull()
                t.column("used_on", .datetime)
            }
        }
        migrator.registerMigration("v7: single sign-on through an OpenID Connect provider") { db in
            try db.create(table: "single_sign_on") { t in
                t.primaryKey("id", .integer).check { $0 == 1 }
                t.column("enabled", .boolean).notNull()
                t.column("issuer", .text).notNull()
                t.column("client_id", .text).notNull()
                t.column("client_secret", .text)
                t.column("scopes", .text).notNull()
                t.column("role_claim", .text).notNull()
                t.column("admin_values", .text).notNull()
                t.column("viewer_values", .text).notNull()
                t.column("default_role", .text)
                t.column("button_label", .text).notNull()
                t.column("password_login", .boolean).notNull()
                t.column("redirect_uri", .text).notNull()
                t.column("modified_on", .datetime).notNull()
            }
            try db.alter(table: "users") { t in t.add(column: "sso_subject", .text) }
            try db.create(index: "users_by_sso_subject", on: "users", columns: ["sso_subject"], unique: true)
            try db.alter(table: "sessions") { t in t.add(column: "method", .text).notNull().defaults(to: "password") }
        }
        migrator.registerMigration("v8: the commands that uninstall a provisioned server's agent") { db in
            try db.alter(table: "servers") { t in t.add(column: "uninstall_commands", .text) }
        }
        migrator.registerMigration("v9: how each server's Caddy is doing with its automatic certificates") { db in
            try db.create(table: "certificate_states") { t in
                t.column("server_id", .integer).notNull().references("servers", onDelete: .cascade)
                t.column("domain", .text).notNull()
                t.column("state", .text).notNull()
                t.column("message", .text)
                t.column("at", .datetime).notNull()
                t.primaryKey(["server_id", "domain"])
            }
            try db.alter(table: "servers") { t in t.add(column: "reports_certificates", .boolean).notNull().defaults(to: false) }
        }
        migrator.registerMigration("v10: what is wrong with a server's data plane, while it is") { db in
            try db.alter(table: "servers") { t in t.add(column: "data_plane_problem", .text) }
        }
        migrator.registerMigration("v11: API tokens have a scope (the whole API, or only /metrics)") { db in
            try db.alter(table: "api_tokens") { t in t.add(column: "scope", .text).notNull().defaults(to: "api") }
        }
        migrator.registerMigration("v12: webhooks that notifications are sent to") { db in
            try db.create(table: "webhooks") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull()
                t.column("url", .text).notNull()
                t.column("format", .text).notNull()
                t.column("events", .text).notNull()
                t.column("allow_private_target", .boolean).notNull().defaults(to: false)
                t.column("enabled", .boolean).notNull().defaults(to: true)
                t.column("last_status", .text)
                t.column("last_error", .text)
                t.column("last_attempt_on", .datetime)
                t.column("created_on", .datetime).notNull()
            }
        }
        migrator.registerMigration("v13: traffic per host and server, by minute and by hour") { db in
            for (table, period) in [("traffic_minutes", "minute"), ("traffic_hours", "hour")] {
                try db.create(table: table, options: .withoutRowID) { t in
                    // 0: requests whose host was none of the server's names.
                    t.column("resource_id", .integer).notNull()
                    t.column("server_id", .integer).notNull()
                    t.column(period, .integer).notNull()
                    for column in TrafficRepository.counterColumns { t.column(column, .integer).notNull().defaults(to: 0) }
                    t.primaryKey(["resource_id", "server_id", period])
                }
                try db.create(index: "\(table)_by_\(period)", on: table, columns: [period])
            }
        }
        migrator.registerMigration("v14: a row of traffic_minutes holds an hour of minutes, packed") { db in
            try db.drop(table: "traffic_minutes")
            // A table with rowids: its rows (up to some 2 KB) then fit in a page, where a table
            // without them would spill each into an overflow page of its own.
            try db.create(table: "traffic_minutes") { t in
                t.column("resource_id", .integer).notNull()
                t.column("server_id", .integer).notNull()
                t.column("hour", .integer).notNull()
                t.column("minutes", .blob).notNull()
                t.uniqueKey(["resource_id", "server_id", "hour"])
            }
            try db.create(index: "traffic_minutes_by_hour", on: "traffic_minutes", columns: ["hour"])
        }
        migrator.registerMigration("v15: agents are checked cheaply before bcrypt, and readmitted by signed tickets") { db in
            // The first 16 hex digits of the token's SHA-256: a wrong token is refused without bcrypt.
            try db.alter(table: "servers") { t in t.add(column: "agent_token_check", .text) }
            // Secrets of this controller that never leave it (not in backups): the ticket key.
            try db.create(table: "controller_secrets") { t in
                t.column("name", .text).primaryKey()
                t.column("secret", .blob).notNull()
                t.column("created_on", .datetime).notNull()
            }
        }
        migrator.registerMigration("v16: a journal of resource changes, so a build reads only what changed") { db in
            // One row per change of what a desired state is made from (insert, delete, or an
            // update of the type, server, enabled flag, payload or modification time; not of the
            // apply status). Triggers write it, so no write path can forget to.
            try db.create(table: "resource_changes") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("resource_id", .integer).notNull()
            }
            try db.execute(
                sql: """
                    CREATE TRIGGER resource_inserted AFTER INSERT ON resources BEGIN
                        INSERT INTO resource_changes (resource_id) VALUES (NEW.id);
                    END;
                    CREATE TRIGGER resource_changed AFTER UPDATE OF type, server_id, enabled, data, modified_on ON resources BEGIN
                        INSERT INTO resource_changes (resource_id) VALUES (NEW.id);
                    END;
                    CREATE TRIGGER resource_deleted AFTER DELETE ON resources BEGIN
                        INSERT INTO resource_changes (resource_id) VALUES (OLD.id);
                    END;
                    -- The newest 10,000 changes are kept: a reader further behind reads everything.
                    CREATE TRIGGER resource_changes_bounded AFTER INSERT ON resource_changes BEGIN
                        DELETE FROM resource_changes WHERE seq <= NEW.seq - 10000;
                    END;
                    """)
            // What each apply reads: a server's removals to apply, and its resources whose
            // status is anything but plainly applied (a few, among thousands).
            try db.execute(
                sql: """
                    CREATE INDEX resources_pending_removal ON resources(server_id) WHERE enabled = 0 AND apply_status = 'pending';
                    CREATE INDEX resources_unsettled ON resources(server_id) WHERE apply_status != 'applied' OR apply_message IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v17: a catalog of plugins by SHA-256, and pipelines kept as data") { db in
            // One row per plugin file, as its out-of-process check read it; the file itself is
            // DATA_DIR/plugins/<sha256>.so.
            try db.create(table: "catalog_plugins") { t in
                t.column("sha256", .text).primaryKey()
                t.column("plugin_id", .text).notNull().indexed()
                t.column("version", .text).notNull()
                t.column("name", .text).notNull()
                t.column("summary", .text).notNull()
                t.column("kinds", .text).notNull()
                t.column("abi", .text).notNull()
                t.column("interfaces", .text).notNull()
                t.column("declaration", .text)
                t.column("signature", .text)
                t.column("size", .integer).notNull()
                t.column("uploaded_on", .datetime).notNull()
            }
            // A pipeline of a server (server_id NULL: the default of every server) by name, as
            // JSON: {"steps": [{"plugin", "version", "sha256", "config"}]}.
            try db.create(table: "pipelines") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("server_id", .integer).references("servers", onDelete: .cascade)
                t.column("name", .text).notNull()
                t.column("steps", .text).notNull()
                t.column("modified_on", .datetime).notNull()
            }
            try db.execute(sql: "CREATE UNIQUE INDEX pipelines_by_server ON pipelines(IFNULL(server_id, 0), name)")
            // How each step of the server's last apply ended, a JSON list of lines.
            try db.alter(table: "servers") { t in t.add(column: "apply_steps", .text) }
        }
        return migrator
    }
}
