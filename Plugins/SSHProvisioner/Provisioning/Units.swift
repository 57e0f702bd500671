/// The hardened systemd units for Caddy and the agent. `systemd-analyze security --offline=true`
/// scores each under 2.5 and `systemd-analyze verify` accepts them (ProvisioningTests).
enum Units {
    /// The sandboxing both units share; each adds its own address families and a few options
    /// (Caddy hides other processes' /proc files, the agent forbids writable-executable memory).
    private static let sandbox = """
        NoNewPrivileges=yes
        ProtectSystem=strict
        ProtectHome=yes
        PrivateTmp=yes
        PrivateDevices=yes
        DevicePolicy=closed
        ProtectKernelTunables=yes
        ProtectKernelModules=yes
        ProtectKernelLogs=yes
        ProtectControlGroups=yes
        ProtectClock=yes
        ProtectHostname=yes
        ProtectProc=invisible
        RestrictNamespaces=yes
        RestrictRealtime=yes
        RestrictSUIDSGID=yes
        LockPersonality=yes
        RemoveIPC=yes
        KeyringMode=private
        SystemCallFilter=@system-service
        SystemCallFilter=~@privileged @resources
        SystemCallArchitectures=native

        """

    static let text: [String: String] = [
        "caddy.service": """
        [Unit]
        Description=Caddy web server (managed by PosternProxy)
        After=network-online.target
        Wants=network-online.target

        [Service]
        Type=notify
        User=caddy
        Group=caddy
        ExecStart=/usr/local/bin/caddy run --resume --environ --config /etc/caddy/posternproxy.json
        ExecReload=/usr/local/bin/caddy reload --force --config /etc/caddy/posternproxy.json
        TimeoutStopSec=5s
        Restart=on-failure
        Environment=XDG_DATA_HOME=/var/lib/caddy XDG_CONFIG_HOME=/var/lib/caddy HOME=/var/lib/caddy
        AmbientCapabilities=CAP_NET_BIND_SERVICE
        CapabilityBoundingSet=CAP_NET_BIND_SERVICE
        \(sandbox)ProcSubset=pid
        RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
        UMask=0007
        StateDirectory=caddy
        RuntimeDirectory=caddy
        RuntimeDirectoryMode=0750
        LimitNOFILE=1048576

        [Install]
        WantedBy=multi-user.target

        """,
        "posternproxy-agent.service": """
        [Unit]
        Description=PosternProxy agent
        After=network-online.target caddy.service
        Wants=network-online.target

        [Service]
        Type=simple
        User=posternproxy-agent
        Group=posternproxy-agent
        SupplementaryGroups=caddy
        ExecStart=/usr/local/bin/posternproxy-agent --config /etc/posternproxy-agent/config.env
        Restart=always
        RestartSec=2
        Environment=XTABLES_LOCKFILE=/run/posternproxy-agent/xtables.lock
        AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW
        CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE
        \(sandbox)MemoryDenyWriteExecute=yes
        RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
        UMask=0077
        StateDirectory=posternproxy-agent
        StateDirectoryMode=0700
        RuntimeDirectory=posternproxy-agent
        ConfigurationDirectory=posternproxy-agent

        [Install]
        WantedBy=multi-user.target

        """,
    ]
}
