"""The read-only allowlist, entry by entry: each program reads in a real example, every subcommand of the table
is read-only when run bare, and a mutating sibling of each program is refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from medic.act.allowlist import TOOLS, WRAPPERS, Node, opts
from medic.act.classify import Kind, classify

# one real read-only use of every program and wrapper in the table
READ_ONLY_EXAMPLE = {
    ":": ": nothing",
    "[": "[ -f /etc/hosts ]",
    "awk": "awk -F: '$3 >= 1000 {print $1}' /etc/passwd",
    "basename": "basename -s .yaml /tmp/pvc.yaml",
    "blkid": "blkid -o value -s TYPE /dev/sdb1",
    "cat": "cat -n /etc/docker/daemon.json",
    "cd": "cd /var/lib/docker",
    "ceph": "ceph osd pool ls detail",
    "chronyc": "chronyc -n sources -v",
    "cksum": "cksum -a sha256 /tmp/x",
    "cmp": "cmp -s a b",
    "column": "column -t -s, /tmp/x.csv",
    "command": "command -v kubectl",
    "crictl": "crictl ps -a --name etcd -o json",
    "curl": "curl -sk -H 'Authorization: Bearer x' --max-time 5 https://127.0.0.1:6443/healthz",
    "cut": "cut -d: -f1,3 /etc/passwd",
    "date": "date -u +%Y-%m-%dT%H:%M:%S",
    "df": "df -hT /var/lib/docker",
    "diff": "diff -u a.yaml b.yaml",
    "dig": "dig +short @10.96.0.10 kubernetes.default.svc.cluster.local",
    "dirname": "dirname /etc/kubernetes/admin.conf",
    "dmesg": "dmesg -T --level=err,warn",
    "docker": "docker service ps --no-trunc --filter desired-state=running ldap",
    "docker-compose": "docker-compose -f stack.yml ps -a",
    "drbdadm": "drbdadm status r0",
    "drbdsetup": "drbdsetup status --verbose --statistics",
    "du": "du -s -BM /var/lib/docker/overlay2/*",
    "e2fsck": "e2fsck -n -f /dev/sdb1",
    "echo": "echo -n done",
    "egrep": "egrep -i 'error|fail' /var/log/messages",
    "etcdctl": "etcdctl --endpoints=https://127.0.0.1:2379 --cacert=ca.crt --cert=s.crt --key=s.key endpoint health",
    "false": "false",
    "fgrep": "fgrep -c OOMKilled events.txt",
    "file": "file -b --mime-type /tmp/x",
    "find": "find /var/log -maxdepth 2 -name '*.log' -size +100M -printf '%s %p\\n'",
    "findmnt": "findmnt -n -o SOURCE --target /var/lib/kubelet",
    "free": "free -h",
    "fsck": "fsck -N /dev/sdb1",
    "fsck.ext4": "fsck.ext4 -n /dev/sdb1",
    "fsck.xfs": "fsck.xfs -n /dev/sdb1",
    "gawk": "gawk '{ sum += $2 } END { print sum }' sizes.txt",
    "getent": "getent hosts registry.local",
    "git": "git -C /opt/hive log --oneline -n 5",
    "grep": "grep -rn --include='*.yaml' -e image: manifests/",
    "head": "head -n 20 /var/log/syslog",
    "helm": "helm list -A --failed -o json",
    "host": "host -t srv _etcd-server._tcp.example.com",
    "hostname": "hostname -I",
    "id": "id -un",
    "ip": "ip -br addr show dev eth0",
    "journalctl": "journalctl -u kubelet --since '10 min ago' -n 200 --no-pager -o short-iso",
    "jq": "jq -r --arg ns shop '.items[] | select(.metadata.namespace == $ns) | .metadata.name' pods.json",
    "konvoy": "konvoy check preflight",
    "kubectl": "kubectl -n shop get pods -o wide --field-selector=status.phase!=Running --sort-by=.metadata.name",
    "kubectx": "kubectx -c",
    "kubens": "kubens",
    "ls": "ls -lahtr /var/log/pods",
    "lsblk": "lsblk -f -o NAME,FSTYPE,MOUNTPOINT",
    "lsof": "lsof -n -P -i :6443",
    "mawk": "mawk -F, '{print $2}' x.csv",
    "md5sum": "md5sum -c sums.md5",
    "mount": "mount -l",
    "mysql": "mysql -u grafana -h db -N -e 'SELECT COUNT(*) FROM dashboard'",
    "netstat": "netstat -tlnp",
    "nl": "nl -ba x.txt",
    "nslookup": "nslookup -type=srv kubernetes.default",
    "ntpq": "ntpq -pn",
    "oc": "oc whoami --show-token",
    "openssl": "openssl x509 -in /etc/kubernetes/pki/apiserver.crt -noout -subject -enddate",
    "pgrep": "pgrep -af kubelet",
    "ping": "ping -c 3 -W 1 10.0.0.1",
    "podman": "podman ps -a --format '{{.Names}}'",
    "printenv": "printenv KUBECONFIG",
    "printf": "printf '%s\\n' done",
    "ps": "ps -eo pid,rss,cmd --sort=-rss",
    "psql": "psql -h db -U app -d app -tA -c 'select count(*) from jobs'",
    "pwd": "pwd -P",
    "readlink": "readlink -f /etc/alternatives/java",
    "realpath": "realpath --relative-to=/var /var/log",
    "rg": "rg -n -g '*.yaml' 'image:' manifests",
    "sed": "sed -n '/BEGIN/,/END/p' cert.pem",
    "sha1sum": "sha1sum x",
    "sha256sum": "sha256sum --check SHA256SUMS",
    "sha512sum": "sha512sum x",
    "showmount": "showmount -e nfs01",
    "sleep": "sleep 5",
    "sort": "sort -k2 -nr -t' ' x",
    "sqlite3": "sqlite3 -readonly grafana.db .tables",
    "ss": "ss -tlnp",
    "ssh-add": "ssh-add -l",
    "stat": "stat -c '%U %a' /etc/kubernetes/admin.conf",
    "systemctl": "systemctl list-units --type=service --state=failed --no-pager",
    "tail": "tail -n 100 /var/log/messages",
    "test": "test -d /var/lib/etcd",
    "timedatectl": "timedatectl show -p NTPSynchronized --value",
    "tr": "tr -s ' '",
    "true": "true",
    "type": "type -a kubectl",
    "uname": "uname -r",
    "uniq": "uniq -c",
    "uptime": "uptime -p",
    "velero": "velero backup get -o json",
    "virtctl": "virtctl -n vms guestosinfo vm1",
    "wc": "wc -l /etc/hosts",
    "which": "which -a kubectl",
    "whoami": "whoami",
    "xfs_repair": "xfs_repair -n /dev/drbd8",
    "yq": "yq e '.spec.replicas' deploy.yaml",
    "zgrep": "zgrep -h panic /var/log/kern.log.2.gz",
    "base64": "kubectl get secret tls -o jsonpath='{.data.tls\\.crt}' | base64 -d | openssl x509 -noout -enddate",
    "zcat": "zcat -f /var/log/syslog.2.gz",
    "tac": "tac /var/log/messages",
    "paste": "paste -sd, names.txt",
    "comm": "comm -13 a.txt b.txt",
    "iptables": "iptables -t nat -nvL PREROUTING --line-numbers",
    "ip6tables": "ip6tables -S",
    # wrappers
    "env": "env -i LANG=C kubectl version --client",
    "ionice": "ionice -c3 du -sh /var",
    "nice": "nice -n 10 du -sh /var",
    "nohup": "nohup kubectl get pods -A",  # mutating: see NOT_READ_ONLY_WRAPPERS
    "stdbuf": "stdbuf -oL journalctl -u kubelet -n 5 --no-pager",
    "sudo": "sudo -u root -n drbdadm status",
    "timeout": "timeout -s KILL 10 kubectl get nodes",
    "watch": "watch -n 5 kubectl get pods",
    "xargs": "kubectl get pods -o name | xargs -I{} kubectl describe pod/{}",
}
MANUAL_WRAPPERS = {"watch"}
NOT_READ_ONLY_WRAPPERS = {"nohup"}  # writes nohup.out at a terminal, whatever it runs

# a mutating use of every program and wrapper: an unlisted subcommand, option or operand, or a write
MUTATING_SIBLING = {
    ":": ": > /etc/motd",
    "[": "[ -f x ] && rm x",
    "awk": "awk 'BEGIN { system(\"reboot\") }'",
    "basename": "basename x > name.txt",
    "blkid": "blkid -c /etc/blkid.tab",
    "cat": "cat a > b",
    "cd": "cd /tmp && ./run.sh",
    "ceph": "ceph osd pool rm data data --yes-i-really-really-mean-it",
    "chronyc": "chronyc settime 10:00",
    "cksum": "cksum x >> sums",
    "cmp": "cmp a b > out",
    "column": "column -t x > y",
    "command": "command rm x",
    "crictl": "crictl rmp -a",
    "curl": "curl -T backup.tar https://x/upload",
    "cut": "cut -f1 x > y",
    "date": "date MMDDhhmm",
    "df": "df -h > df.txt",
    "diff": "diff a b | patch -p0",
    "dig": "dig -f queries.txt > out",
    "dirname": "dirname x > y",
    "dmesg": "dmesg --clear",
    "docker": "docker volume rm data",
    "docker-compose": "docker-compose -f stack.yml down",
    "drbdadm": "drbdadm primary --force r0",
    "drbdsetup": "drbdsetup down r0",
    "du": "du -sh / > usage",
    "e2fsck": "e2fsck -y /dev/sdb1",
    "echo": "echo 1 > /proc/sys/vm/drop_caches",
    "egrep": "egrep x f > g",
    "etcdctl": "etcdctl defrag",
    "false": "false || reboot",
    "fgrep": "fgrep x f >> g",
    "file": "file -C -m magic",
    "find": "find /tmp -name '*.tmp' -delete",
    "findmnt": "findmnt > mounts",
    "free": "free > mem",
    "fsck": "fsck -y /dev/sdb1",
    "fsck.ext4": "fsck.ext4 -p /dev/sdb1",
    "fsck.xfs": "fsck.xfs /dev/sdb1",
    "gawk": "gawk -i inplace '{print}' f",
    "getent": "getent passwd > users",
    "git": "git reset --hard",
    "grep": "grep -r x . > hits",
    "head": "head -n 1 x > y",
    "helm": "helm rollback web 3",
    "host": "host x > y",
    "hostname": "hostname -F /etc/hostname",
    "id": "id > who",
    "ip": "ip route del default",
    "journalctl": "journalctl --rotate",
    "jq": "jq . x > y",
    "konvoy": "konvoy up",
    "kubectl": "kubectl annotate pod web-0 x=y",
    "kubectx": "kubectx -d old",
    "kubens": "kubens default",
    "ls": "ls > listing",
    "lsblk": "lsblk > disks",
    "lsof": "lsof > open",
    "mawk": "mawk '{print > \"out\"}' f",
    "md5sum": "md5sum x > sums",
    "mount": "mount /dev/sdb1 /mnt",
    "mysql": "mysql -e 'UPDATE user SET x=1'",
    "netstat": "netstat > ports",
    "nl": "nl x > y",
    "nslookup": "nslookup x > y",
    "ntpq": "ntpq -c 'writevar 0 x=1'",
    "oc": "oc adm drain node1",
    "openssl": "openssl genrsa -out key.pem 2048",
    "pgrep": "pgrep kubelet | xargs kill",
    "ping": "ping -f 10.0.0.1",
    "podman": "podman rm -f x",
    "printenv": "printenv > env.txt",
    "printf": "printf -v PATH /tmp",
    "ps": "ps aux > procs",
    "psql": "psql -c 'DROP TABLE jobs'",
    "pwd": "pwd > here",
    "readlink": "readlink x > y",
    "realpath": "realpath x > y",
    "rg": "rg --pre ./run.sh x",
    "sed": "sed -i 's/a/b/' f",
    "sha1sum": "sha1sum x > y",
    "sha256sum": "sha256sum x > y",
    "sha512sum": "sha512sum x > y",
    "showmount": "showmount -e > exports",
    "sleep": "sleep infinity",
    "sort": "sort -o x x",
    "sqlite3": "sqlite3 grafana.db 'DELETE FROM dashboard'",
    "ss": "ss -K dst 10.0.0.1",
    "ssh-add": "ssh-add -D",
    "stat": "stat x > y",
    "systemctl": "systemctl restart kubelet",
    "tail": "tail x > y",
    "test": "test -f x && rm x",
    "timedatectl": "timedatectl set-timezone UTC",
    "tr": "tr a b < x > y",
    "true": "true && reboot",
    "type": "type x > y",
    "uname": "uname > kernel",
    "uniq": "uniq in.txt out.txt",
    "uptime": "uptime > up",
    "velero": "velero backup delete nightly",
    "virtctl": "virtctl stop vm1",
    "wc": "wc -l x > y",
    "which": "which x > y",
    "whoami": "whoami > me",
    "xfs_repair": "xfs_repair -L /dev/drbd8",
    "yq": "yq -i '.a = 1' f.yaml",
    "zgrep": "zgrep x f.gz > y",
    "base64": "base64 -d x > y",
    "zcat": "zcat x.gz > x",
    "tac": "tac x > y",
    "paste": "paste a b > c",
    "comm": "comm a b > c",
    "iptables": "iptables -F INPUT",
    "ip6tables": "ip6tables -L -Z",
    "env": "env -S 'rm -rf /tmp/x'",
    "ionice": "ionice -c3 rm -rf /var/cache",
    "nice": "nice rm x",
    "nohup": "nohup ./backup.sh",
    "stdbuf": "stdbuf -oL tee log",
    "sudo": "sudo -e /etc/hosts",
    "timeout": "timeout 5 systemctl stop kubelet",
    "watch": "watch 'kubectl delete pod -l app=x'",
    "xargs": "kubectl get pods -o name | xargs kubectl delete",
}


def test_every_entry_has_a_read_only_example_and_a_mutating_sibling() -> None:
    entries = set(TOOLS) | set(WRAPPERS)
    assert set(READ_ONLY_EXAMPLE) == entries
    assert set(MUTATING_SIBLING) == entries


@pytest.mark.parametrize("program", sorted(READ_ONLY_EXAMPLE))
def test_entry_reads(program: str) -> None:
    v = classify(READ_ONLY_EXAMPLE[program])
    expected = Kind.MANUAL if program in MANUAL_WRAPPERS else Kind.READ_ONLY
    if program in NOT_READ_ONLY_WRAPPERS:
        expected = Kind.MUTATING
    assert v.kind is expected, v


@pytest.mark.parametrize("program", sorted(MUTATING_SIBLING))
def test_entry_sibling_mutates(program: str) -> None:
    v = classify(MUTATING_SIBLING[program])
    assert v.kind is Kind.MUTATING, v


# what a bare subcommand needs to be a complete read-only command (a program, a required option, stdin)
_COMPLETE = {
    "sed": "p",
    "awk": "'{print}'",
    "gawk": "'{print}'",
    "mawk": "'{print}'",
    "mysql": "-e 'SELECT 1'",
    "psql": "-c 'SELECT 1'",
    "openssl s_client": "-connect h:443 </dev/null",
    "sqlite3": "x.db",
}


def _paths(name: str, node: Node, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Node]]:
    if node.bare or not node.subcommands:
        yield path, node
    seen: set[int] = set()
    for sub, child in node.subcommands.items():
        if id(child) in seen:
            continue  # an alias of a subcommand already walked (logs/log, list/ls)
        seen.add(id(child))
        yield from _paths(name, child, (*path, sub))


SUBCOMMANDS = sorted({" ".join(p) for name, tool in TOOLS.items() for p, _ in _paths(name, tool.root, (name,))})


def test_the_table_is_walked() -> None:
    # nested verbs are in the table: a regression that drops them shows here
    for path in ("kubectl rollout status", "docker service ps", "etcdctl endpoint health", "ceph osd pool ls"):
        assert path in SUBCOMMANDS
    assert len(SUBCOMMANDS) > 150


@pytest.mark.parametrize("path", SUBCOMMANDS)
def test_every_subcommand_reads(path: str) -> None:
    words = path.split()
    tool = TOOLS[words[0]]
    node = tool.root
    for w in words[1:]:
        node = node.subcommands[w]
    extra = _COMPLETE.get(path, _COMPLETE.get(words[0], ""))
    if node.require and not extra:
        extra = f"{node.require[0]} {extra}"
    v = classify(f"{path} {extra}".strip())
    assert v.kind is Kind.READ_ONLY, v
    assert v.reason == ("cd changes only this shell" if path == "cd" else f"{path} only reads")


def test_option_specs() -> None:
    spec = opts("-a -n= --arg== -b? -X=GET|HEAD -#")
    assert {k: (o.arity, o.values) for k, o in spec.items()} == {
        "-a": (0, None),
        "-n": (1, None),
        "--arg": (2, None),
        "-b": (-1, None),
        "-X": (1, frozenset({"GET", "HEAD"})),
        "-#": (0, None),
    }
    with pytest.raises(ValueError, match="bad option spec"):
        opts("detail")
