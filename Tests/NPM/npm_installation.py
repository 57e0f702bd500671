#!/usr/bin/env python3
"""Builds an Nginx Proxy Manager data folder as NPM's Docker volumes hold it: `database.sqlite`
made by replaying the SQL of NPM's knex migrations in order (backend/migrations, initial schema
to trust_forwarded_proto, as knex's SQLite dialect writes it), rows of every kind and option NPM
stores, certificates made with openssl and laid out as NPM and certbot do (`custom_ssl/npm-<id>/`,
`letsencrypt/live/npm-<id>/` linking into `archive/`), and hostile rows an import must refuse one
by one.

Usage: npm_installation.py FOLDER UPSTREAM_PORT SECOND_PORT [HOSTS]
  HOSTS (default 0): that many more plain proxy hosts and access-list users, for a long import.
Prints one JSON line: the passwords and names the tests use.
"""
import json
import os
import sqlite3
import subprocess
import sys

import bcrypt

FOLDER, UPSTREAM, SECOND = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
MORE = int(sys.argv[4]) if len(sys.argv) > 4 else 0
NOW = "2025-10-28 04:17:54"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"

# Each migration's statements, in NPM's order (the file names are NPM's).
MIGRATIONS = [
    ("20180618015850_initial.js", [
        "create table `auth` (`id` integer not null primary key autoincrement, `created_on` datetime not null, `modified_on` datetime not null, `user_id` integer not null, `type` varchar(30) not null, `secret` varchar(255) not null, `meta` json not null, `is_deleted` integer not null default '0')",
        "create table `user` (`id` integer not null primary key autoincrement, `created_on` datetime not null, `modified_on` datetime not null, `is_deleted` integer not null default '0', `is_disabled` integer not null default '0', `email` varchar(255) not null, `name` varchar(255) not null, `nickname` varchar(255) not null, `avatar` varchar(255) not null, `roles` json not null)",
        "create table `user_permission` (`id` integer not null primary key autoincrement, `created_on` datetime not null, `modified_on` datetime not null, `user_id` integer not null, `visibility` varchar(255) not null, `proxy_hosts` varchar(255) not null, `redirection_hosts` varchar(255) not null, `dead_hosts` varchar(255) not null, `streams` varchar(255) not null, `access_lists` varchar(255) not null, `certificates` varchar(255) not null)",
        "create unique index `user_permission_user_id_unique` on `user_permission` (`user_id`)",
        "create table `proxy_host` (`id` integer not null primary key autoincrement, `created_on` datetime not null, `modified_on` datetime not null, `owner_user_id` integer not null, `is_deleted` integer not null default '0', `domain_names` json not null, `forward_ip` varchar(255) not null, `forward_port` integer not null, `access_list_id` integer not null default '0', `certificate_id` integer not null default '0', `ssl_forced` integer not null default '0', `caching_enabled` integer not null default '0', `block_exploits` integer not null default '0', `advanced_config` text not null default '', `meta` json not null)",
        "create table `redirection_host` (`id` integer not null primary key autoincrement, `created_on` datetime not null, `modified_on` datetime not null, `owner_user_id` integer not null, `is_deleted` integer not null default '0', `domain_names` json not null, `forward_domain_name` varchar(255) not null, `preserve_path` integer not null default '0', `certificate_id` integer not null default '0', `ssl_forced` integer not null default '0', `block_exploits` integer not null default '0', `advanced_config` text not null default '', `meta` json not null)",
        "create table `dead_host` (`id` integer not null primary key autoincrement, `created_on` datetime not null, `modified_on` datetime not null, `owner_user_id` integer not null, `is_deleted` integer not null default '0', `domain_names` json not null, `certificate_id` integer not null default '0', `ssl_forced` integer not null default '0', `advanced_config` text not null default '', `meta` json not null)",
        "create table `stream` (`id` integer not null primary key autoincrement, `created_on` datetime not null, `modified_on` datetime not null, `owner_user_id` integer not null, `is_deleted` integer not null default '0', `incoming_port` integer not null, `forward_ip` varchar(255) not null, `forwarding_port` integer not null, `tcp_forwarding` integer not null default '0', `udp_forwarding` integer not null default '0', `meta` json not null)",
        "create table `access_list` (`id` integer not null primary key autoincrement, `created_on` datetime not null, `modified_on` datetime not null, `owner_user_id` integer not null, `is_deleted` integer not null default '0', `name` varchar(255) not null, `meta` json not null)",
        "create table `certificate` (`id` integer not null primary key autoincrement, `created_on` datetime not null, `modified_on` datetime not null, `owner_user_id` integer not null, `is_deleted` integer not null default '0', `provider` varchar(255) not null, `nice_name` varchar(255) not null default '', `domain_names` json not null, `expires_on` datetime not null, `meta` json not null)",
        "create table `access_list_auth` (`id` integer not null primary key autoincrement, `created_on` datetime not null, `modified_on` datetime not null, `access_list_id` integer not null, `username` varchar(255) not null, `password` varchar(255) not null, `meta` json not null)",
        "create table `audit_log` (`id` integer not null primary key autoincrement, `created_on` datetime not null, `modified_on` datetime not null, `user_id` integer not null, `object_type` varchar(255) not null default '', `object_id` integer not null default '0', `action` varchar(255) not null, `meta` json not null)",
    ]),
    ("20180929054513_websockets.js", ["alter table `proxy_host` add column `allow_websocket_upgrade` integer not null default '0'"]),
    ("20181019052346_forward_host.js", ["alter table `proxy_host` rename column `forward_ip` to `forward_host`"]),
    ("20181113041458_http2_support.js", [
        f"alter table `{table}` add column `http2_support` integer not null default '0'" for table in ["proxy_host", "redirection_host", "dead_host"]]),
    ("20181213013211_forward_scheme.js", ["alter table `proxy_host` add column `forward_scheme` varchar(255) not null default 'http'"]),
    ("20190104035154_disabled.js", [
        f"alter table `{table}` add column `enabled` integer not null default '1'" for table in ["proxy_host", "redirection_host", "dead_host", "stream"]]),
    ("20190215115310_customlocations.js", ["alter table `proxy_host` add column `locations` json"]),
    ("20190218060101_hsts.js", [
        f"alter table `{table}` add column `{column}` integer not null default '0'"
        for table in ["proxy_host", "redirection_host", "dead_host"] for column in ["hsts_enabled", "hsts_subdomains"]]),
    ("20190227065017_settings.js", [
        "create table `setting` (`id` varchar(255) not null, `name` varchar(100) not null, `description` varchar(255) not null, `value` varchar(255) not null, `meta` json not null, primary key (`id`))"]),
    ("20200410143839_access_list_client.js", [
        "create table `access_list_client` (`id` integer not null primary key autoincrement, `created_on` datetime not null, `modified_on` datetime not null, `access_list_id` integer not null, `address` varchar(255) not null, `directive` varchar(255) not null, `meta` json not null)",
        "alter table `access_list` add column `satify_any` integer not null default '0'"]),
    ("20200410143840_access_list_client_fix.js", ["alter table `access_list` rename column `satify_any` to `satisfy_any`"]),
    ("20201014143841_pass_auth.js", ["alter table `access_list` add column `pass_auth` integer not null default '1'"]),
    ("20210210154702_redirection_scheme.js", ["alter table `redirection_host` add column `forward_scheme` varchar(255) not null default '$scheme'"]),
    ("20210210154703_redirection_status_code.js", ["alter table `redirection_host` add column `forward_http_code` integer not null default '302'"]),
    ("20210423103500_stream_domain.js", ["alter table `stream` rename column `forward_ip` to `forwarding_host`"]),
    ("20211108145214_regenerate_default_host.js", []),
    ("20240427161436_stream_ssl.js", ["alter table `stream` add column `certificate_id` integer not null default '0'"]),
    ("20251111090000_redirect_auto_scheme.js", ["update `redirection_host` set `forward_scheme` = 'auto' where `forward_scheme` = '$scheme'"]),
    ("20260131163528_trust_forwarded_proto.js", ["alter table `proxy_host` add column `trust_forwarded_proto` boolean not null default '0'"]),
]


def certificate(name, folder, files):
    """A self-signed certificate for `name`, its chain and key written as `files` in `folder`."""
    os.makedirs(folder, exist_ok=True)
    chain, key = (os.path.join(folder, f) for f in files)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", chain, "-days", "90", "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}"],
                   check=True, capture_output=True)
    return open(chain).read()


def main():
    os.makedirs(FOLDER, exist_ok=True)
    db = sqlite3.connect(os.path.join(FOLDER, "database.sqlite"))
    db.execute("create table `knex_migrations` (`id` integer not null primary key autoincrement, `name` varchar(255), `batch` integer, `migration_time` datetime)")
    for name, statements in MIGRATIONS:
        for statement in statements:
            db.execute(statement)
        db.execute("insert into knex_migrations (name, batch, migration_time) values (?, 1, ?)", (name, NOW))

    def insert(table, **values):
        values = {"created_on": NOW, "modified_on": NOW, **values}
        if table not in ("user", "access_list_auth", "access_list_client", "auth"):
            values.setdefault("meta", "{}")
        columns = ", ".join(f"`{c}`" for c in values)
        db.execute(f"insert into `{table}` ({columns}) values ({', '.join('?' * len(values))})",
                   [json.dumps(v) if isinstance(v, (list, dict)) else v for v in values.values()])

    # Users: NPM's admin (bcrypt, cost 13 as NPM hashes), a user without the admin role, one deleted, one hostile,
    # one with two-factor login (NPM keeps its secret in base32 and its backup codes as bcrypt hashes in the
    # auth row's meta) and one whose two-factor secret is damaged.
    backup_codes = [bcrypt.hashpw(b"A1B2C3D4", bcrypt.gensalt(10)).decode()]
    for uid, email, roles, extra, meta in [
            (1, "admin@npm.test", ["admin"], {}, {}), (2, "editor@npm.test", [], {}, {}),
            (3, "gone@npm.test", ["admin"], {"is_deleted": 1}, {}), (4, "x@y.test; rm -rf /", [], {}, {}),
            (5, "twofactor@npm.test", ["admin"], {}, {"totp_enabled": True, "totp_secret": TOTP_SECRET, "backup_codes": backup_codes}),
            (6, "broken@npm.test", [], {}, {"totp_enabled": True, "totp_secret": "not base32 at all!"})]:
        insert("user", id=uid, email=email, name=email.split("@")[0], nickname="n", avatar="", roles=roles, **extra)
        insert("auth", user_id=uid, type="password", secret=bcrypt.hashpw(f"{email} npm password".encode(), bcrypt.gensalt(13)).decode(),
               meta=meta)

    # Certificates: one uploaded, one certbot's (live/ links into archive/), one whose file is a link out of its folder.
    custom = certificate("secure.npm.test", os.path.join(FOLDER, "custom_ssl", "npm-1"), ["fullchain.pem", "privkey.pem"])
    archive = os.path.join(FOLDER, "letsencrypt", "archive", "npm-2")
    certificate("le.npm.test", archive, ["fullchain1.pem", "privkey1.pem"])
    live = os.path.join(FOLDER, "letsencrypt", "live", "npm-2")
    os.makedirs(live)
    for name in ["fullchain", "privkey"]:
        os.symlink(f"../../archive/npm-2/{name}1.pem", os.path.join(live, f"{name}.pem"))
    os.makedirs(os.path.join(FOLDER, "custom_ssl", "npm-3"))
    os.symlink("/etc/passwd", os.path.join(FOLDER, "custom_ssl", "npm-3", "fullchain.pem"))
    os.symlink("/etc/passwd", os.path.join(FOLDER, "custom_ssl", "npm-3", "privkey.pem"))
    for cid, provider, name, domain in [(1, "other", "Secure", "secure.npm.test"), (2, "letsencrypt", "", "le.npm.test"),
                                        (3, "other", "Stolen", "stolen.npm.test")]:
        insert("certificate", id=cid, owner_user_id=1, provider=provider, nice_name=name, domain_names=[domain],
               expires_on="2026-01-26 04:17:54", meta={"dns_challenge": False, "key_type": "ecdsa"} if provider == "letsencrypt" else {})

    # An access list: a user (NPM keeps the password as typed) and rules, `all` among them.
    insert("access_list", id=1, owner_user_id=1, name="Staff", satisfy_any=0, pass_auth=0)
    insert("access_list_auth", access_list_id=1, username="alice", password="alice npm password", meta={})
    for index in range(MORE):
        insert("access_list_auth", access_list_id=1, username=f"user{index}", password=f"password {index}", meta={})
    insert("access_list_client", access_list_id=1, address="127.0.0.1", directive="allow", meta={})
    insert("access_list_client", access_list_id=1, address="all", directive="deny", meta={})

    def proxy(pid, domains, **options):
        values = dict(id=pid, owner_user_id=1, domain_names=domains, forward_host="127.0.0.1", forward_port=UPSTREAM,
                      forward_scheme="http", locations=[], allow_websocket_upgrade=1, block_exploits=1)
        values.update(options)
        insert("proxy_host", **values)

    proxy(1, ["app.npm.test", "www.app.npm.test"], caching_enabled=1, locations=[
        {"id": None, "path": "/api", "forward_scheme": "http", "forward_host": "127.0.0.1", "forward_port": SECOND, "forward_path": "/v1",
         "advanced_config": ""}])
    proxy(2, ["staff.npm.test"], access_list_id=1)
    proxy(3, ["secure.npm.test"], certificate_id=1, ssl_forced=1, hsts_enabled=1, hsts_subdomains=0, http2_support=1)
    proxy(4, ["le.npm.test"], certificate_id=2, ssl_forced=0, http2_support=1)
    proxy(5, ["custom.npm.test"], advanced_config="location /x {\n    return 418;\n}")
    proxy(6, ["{env.HOME}.npm.test"])
    proxy(7, ["shell.npm.test"], forward_host="127.0.0.1; rm -rf /")
    proxy(8, ["deleted.npm.test"], is_deleted=1)
    proxy(9, ["a" * 300 + ".npm.test"])
    proxy(10, ["stolen.npm.test"], certificate_id=3)
    proxy(11, ["off.npm.test"], enabled=0)
    for index in range(MORE):
        proxy(100 + index, [f"bulk{index}.npm.test"])
    insert("redirection_host", id=1, owner_user_id=1, domain_names=["old.npm.test"], forward_domain_name="new.npm.test/archive",
           forward_scheme="https", forward_http_code=301, preserve_path=1)
    insert("dead_host", id=1, owner_user_id=1, domain_names=["gone.npm.test"])
    insert("stream", id=1, owner_user_id=1, incoming_port=24001, forwarding_host="127.0.0.1", forwarding_port=UPSTREAM, tcp_forwarding=1)
    # Only Caddy's layer4 reaches an IPv6 target: refused where Caddy lacks it.
    insert("stream", id=2, owner_user_id=1, incoming_port=24002, forwarding_host="2001:db8::5", forwarding_port=80, tcp_forwarding=1)
    db.commit()
    db.close()
    print(json.dumps({"admin": ["admin@npm.test", "admin@npm.test npm password"], "totp_secret": TOTP_SECRET,
                      "custom_certificate": custom}))


if __name__ == "__main__":
    main()
