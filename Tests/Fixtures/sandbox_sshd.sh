#!/bin/sh
# A disposable SSH server for the tests: sshd on ADDRESS:PORT inside the network namespace NETNS
# and a private mount namespace in which /etc, /home, /root, /usr, /var, /opt and /srv are
# copy-on-write overlays (their changes kept in a tmpfs on the empty /run), as is /tmp. Users it creates, and
# everything provisioning installs, exist only there; the machine's own files stay untouched.
#
#   sandbox_sshd.sh NETNS ADDRESS PORT FOLDER PASSWORD
#
# Users: pp-pass (password PASSWORD, passwordless sudo), pp-key (FOLDER/client_key, no sudo),
# pp-sudo (FOLDER/client_key, passwordless sudo). The host key is FOLDER/host_key. It starts sshd in the background and
# returns; FOLDER/sshd.pid holds sshd's pid (sshd closes the descriptors it inherits, which some
# process supervisors read as an exit, so it is never a direct child of the test).
set -eu
netns=$1 address=$2 port=$3 folder=$4 password=$5
if [ "${SANDBOX_SSHD_CHILD:-}" != 1 ]; then
    SANDBOX_SSHD_CHILD=1 setsid "$0" "$@" > "$folder/sshd.log" 2>&1 < /dev/null &
    echo $! > "$folder/sshd.pid"
    exit 0
fi
exec ip netns exec "$netns" unshare --mount --propagation private sh -eu -c '
    address=$1 port=$2 folder=$3 password=$4
    mount -t tmpfs -o mode=0755 tmpfs /run
    mkdir -p /run/sshd /run/layers
    for dir in etc home root usr var opt srv tmp; do
        mkdir -p "/run/layers/$dir/upper" "/run/layers/$dir/work"
        mount -t overlay overlay -o "lowerdir=/$dir,upperdir=/run/layers/$dir/upper,workdir=/run/layers/$dir/work" "/$dir"
    done
    # The Swift toolchain is hidden: what provisioning installs must run without it.
    if [ -d /opt/swift ]; then mount -t tmpfs tmpfs /opt/swift; fi
    for user in pp-pass pp-key pp-sudo; do useradd -m -s /bin/sh "$user"; done
    echo "pp-pass:$password" | chpasswd
    usermod -p "*" pp-key; usermod -p "*" pp-sudo
    for user in pp-key pp-sudo; do
        mkdir -p "/home/$user/.ssh"
        cp "$folder/client_key.pub" "/home/$user/.ssh/authorized_keys"
        chown -R "$user:$user" "/home/$user/.ssh"
        chmod 700 "/home/$user/.ssh"; chmod 600 "/home/$user/.ssh/authorized_keys"
    done
    for user in pp-pass pp-sudo; do
        echo "$user ALL=(ALL) NOPASSWD:ALL" > "/etc/sudoers.d/$user"
        chmod 0440 "/etc/sudoers.d/$user"
    done
    cat > "$folder/sshd_config" <<CONFIG
ListenAddress $address
Port $port
HostKey $folder/host_key
PidFile none
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin no
UsePAM no
StrictModes no
AcceptEnv LANG
Subsystem sftp internal-sftp
CONFIG
    exec /usr/sbin/sshd -D -e -f "$folder/sshd_config"
' sh "$address" "$port" "$folder" "$password"
